package io.connbalance.kubernetes;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.auth.ApiKeyAuth;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Watches the EndpointSlices ({@code discovery.k8s.io/v1}) of the configured services in
 * one namespace with a client-java informer: one list, then a streamed watch, re-listed
 * when the watch ends or its resource version is gone ({@code 410}). Every change calls
 * back at once, so that pods are refreshed within milliseconds instead of at the next
 * scheduled refresh.
 * <p>
 * When the API goes away the informer keeps its last state (so the last known pods stay)
 * and retries; the outage and the recovery are each logged once (every list and watch
 * call reports whether the API answered). When slices cannot be read at all (no RBAC
 * permission, or an API server without {@code discovery.k8s.io/v1}), the watch says so
 * once and stays {@link #isAvailable() unavailable}.
 */
public class EndpointSliceWatch {

	/** The label Kubernetes puts on every EndpointSlice: the name of its Service. */
	public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

	private static final String SERVICE_INDEX = "service";

	private static final Log logger = LogFactory.getLog(EndpointSliceWatch.class);

	private final ApiClient client;

	private final String namespace;

	private final Set<String> serviceIds;

	private final Duration syncTimeout;

	private final Duration watchTimeout;

	private final AtomicBoolean failing = new AtomicBoolean();

	private volatile long lastAnswer;

	/** Set while the informer is stopped: the calls it cuts short are no outage. */
	private volatile boolean stopped;

	private volatile SharedInformerFactory factory;

	private volatile SharedIndexInformer<V1EndpointSlice> informer;

	private volatile Runnable onChange = () -> {
	};

	/**
	 * Creates a watch; nothing is read before {@link #start(Runnable)}.
	 * @param client the Kubernetes API client
	 * @param namespace the namespace of the services
	 * @param serviceIds the Kubernetes Service names to watch
	 * @param syncTimeout how long {@link #start(Runnable)} waits for the first list
	 * @param watchTimeout how long the API server keeps one watch open; a list or watch
	 * that stays silent for one and a half times this long has stalled, and the slices
	 * are listed again
	 */
	public EndpointSliceWatch(ApiClient client, String namespace, Collection<String> serviceIds, Duration syncTimeout,
			Duration watchTimeout) {
		this.client = client;
		this.namespace = namespace;
		this.serviceIds = new TreeSet<>(serviceIds);
		this.syncTimeout = syncTimeout;
		this.watchTimeout = watchTimeout;
	}

	/**
	 * Checks that slices can be read, then starts the informer and waits (up to the sync
	 * timeout) for its first list.
	 * @param onChange called on every change of a watched slice
	 */
	public synchronized void start(Runnable onChange) {
		if (this.factory != null || this.serviceIds.isEmpty()) {
			return;
		}
		this.onChange = onChange;
		this.stopped = false;
		String selector = selector();
		ApiClient client = ownClient();
		DiscoveryV1Api api = new DiscoveryV1Api(client);
		try {
			api.listNamespacedEndpointSlice(this.namespace).labelSelector(selector).limit(1).execute();
		}
		catch (ApiException ex) {
			if (ex.getCode() == 401 || ex.getCode() == 403 || ex.getCode() == 404) {
				logger.warn("connbalance cannot read EndpointSlices in namespace '" + this.namespace + "' (HTTP "
						+ ex.getCode() + "), so it falls back to the DiscoveryClient: ready pods only, without "
						+ "terminating state, pod names or zones. Grant get, list and watch on "
						+ "endpointslices (discovery.k8s.io) to its ServiceAccount to fix this.");
				return;
			}
			this.failing.set(true);
			logger.warn("connbalance could not list EndpointSlices in namespace '" + this.namespace + "' ("
					+ describe(ex) + "); it keeps trying in the background");
		}
		// a watch ends and is opened again at least this often, so that its silence for
		// longer (the read timeout) means a stalled API server, not a quiet Service
		Integer watchSeconds = (int) Math.max(1, this.watchTimeout.toSeconds());
		SharedInformerFactory factory = new SharedInformerFactory(client);
		SharedIndexInformer<V1EndpointSlice> informer = factory.sharedIndexInformerFor(
				(params) -> api.listNamespacedEndpointSlice(this.namespace)
					.labelSelector(selector)
					.resourceVersion(params.resourceVersion)
					.watch(params.watch)
					.timeoutSeconds(Boolean.TRUE.equals(params.watch) ? watchSeconds : params.timeoutSeconds)
					.buildCall(null),
				V1EndpointSlice.class, V1EndpointSliceList.class, 0, (type, failure) -> failed(failure));
		informer.addIndexers(Map.of(SERVICE_INDEX, (slice) -> List.of(serviceName(slice))));
		informer.addEventHandler(new ResourceEventHandler<>() {

			@Override
			public void onAdd(V1EndpointSlice slice) {
				changed();
			}

			@Override
			public void onUpdate(V1EndpointSlice previous, V1EndpointSlice slice) {
				changed();
			}

			@Override
			public void onDelete(V1EndpointSlice slice, boolean finalStateUnknown) {
				changed();
			}

		});
		this.informer = informer;
		this.factory = factory;
		factory.startAllRegisteredInformers();
		long deadline = System.nanoTime() + this.syncTimeout.toNanos();
		while (!informer.hasSynced() && System.nanoTime() - deadline < 0) {
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/**
	 * Stops the informer.
	 */
	public synchronized void stop() {
		this.stopped = true;
		if (this.factory != null) {
			this.factory.stopAllRegisteredInformers(true);
			this.factory = null;
			this.informer = null;
		}
	}

	/**
	 * Whether slices are being watched and the first list has arrived.
	 * @return {@code true} when {@link #slices(String)} tells the truth
	 */
	public boolean isAvailable() {
		SharedIndexInformer<V1EndpointSlice> informer = this.informer;
		return informer != null && informer.hasSynced();
	}

	/**
	 * The slices of a service, as last seen.
	 * @param serviceId the Kubernetes Service name
	 * @return its slices
	 */
	public List<V1EndpointSlice> slices(String serviceId) {
		SharedIndexInformer<V1EndpointSlice> informer = this.informer;
		return (informer != null) ? informer.getIndexer().byIndex(SERVICE_INDEX, serviceId) : List.of();
	}

	/**
	 * A client of its own, made from the application's: the same API server, TLS and
	 * credentials, with interceptors on this watch's calls only, and nothing changed on
	 * the shared client that Spring Cloud Kubernetes and the application use.
	 */
	private ApiClient ownClient() {
		String path = "/apis/discovery.k8s.io/v1/namespaces/" + this.namespace + "/endpointslices";
		ApiClient client = new ApiClient(this.client.getHttpClient()
			.newBuilder()
			// informers need no read timeout on the client: a watch is quiet for as long
			// as nothing changes
			.readTimeout(Duration.ZERO)
			.addInterceptor(new CallObserver(path, this.watchTimeout.multipliedBy(3).dividedBy(2), this::answered,
					this::failed))
			.addInterceptor(new NullEndpoints(path))
			.build());
		client.setBasePath(this.client.getBasePath());
		client.setJSON(this.client.getJSON());
		if (this.client.getAuthentication("BearerToken") instanceof ApiKeyAuth shared
				&& client.getAuthentication("BearerToken") instanceof ApiKeyAuth own) {
			own.setApiKey(shared.getApiKey());
			own.setApiKeyPrefix(shared.getApiKeyPrefix());
		}
		return client;
	}

	private String selector() {
		return SERVICE_NAME_LABEL + " in (" + String.join(",", this.serviceIds) + ")";
	}

	private void changed() {
		this.onChange.run();
	}

	/**
	 * Whether the API server has stopped answering this watch's calls (it refused them,
	 * failed them, or left them silent past the read timeout) since it last answered.
	 * @return {@code true} while the slices may be stale
	 */
	public boolean isFailing() {
		return this.failing.get();
	}

	/**
	 * When the API server last answered this watch: a list, a watch opened, or an event.
	 * @return the time, or {@code null} before the first answer
	 */
	public Instant lastAnswer() {
		long millis = this.lastAnswer;
		return (millis != 0) ? Instant.ofEpochMilli(millis) : null;
	}

	private void answered() {
		this.lastAnswer = System.currentTimeMillis();
		if (this.failing.compareAndSet(true, false)) {
			logger.info("connbalance watches EndpointSlices in namespace '" + this.namespace + "' again");
		}
	}

	private void failed(Throwable failure) {
		if (!this.stopped && this.failing.compareAndSet(false, true)) {
			logger.warn(
					"connbalance lost its watch of EndpointSlices in namespace '" + this.namespace + "' ("
							+ describe(failure) + "); it keeps the last known pods and retries",
					logger.isDebugEnabled() ? failure : null);
		}
	}

	private static String describe(Throwable failure) {
		if (failure instanceof ApiException ex && ex.getCode() != 0) {
			return "HTTP " + ex.getCode();
		}
		Throwable cause = (failure.getCause() != null) ? failure.getCause() : failure;
		return cause.getClass().getSimpleName() + ": " + cause.getMessage();
	}

	static String serviceName(V1EndpointSlice slice) {
		Map<String, String> labels = (slice.getMetadata() != null) ? slice.getMetadata().getLabels() : null;
		String name = (labels != null) ? labels.get(SERVICE_NAME_LABEL) : null;
		return (name != null) ? name : "";
	}

}
