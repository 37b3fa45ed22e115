package io.connbalance.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.connbalance.pod.ClientTopology;
import io.connbalance.pod.ClientTopology.Placement;
import io.connbalance.refresh.Daemons;

/**
 * Learns where this client runs from the EndpointSlices of its own Service, which needs
 * no privilege beyond reading EndpointSlices (as connbalance does anyway): the endpoint
 * whose {@code targetRef} is this pod names its {@code zone} and {@code nodeName}, and
 * the other ready endpoints of the same Service are its peers (for deterministic subsets,
 * and for how clients spread over zones). Configured values win over learned ones.
 * <p>
 * The first look, made before any request, lists the slices of the client's namespace
 * page by page to find its own; later ones list only its Service's slices, every refresh
 * interval. A pod found in no Service is looked for again less and less often (up to
 * every 10 minutes), with one warning.
 */
public final class SelfLocator {

	private static final Log logger = LogFactory.getLog(SelfLocator.class);

	private static final int PAGE = 500;

	private static final Duration LONGEST_WAIT = Duration.ofMinutes(10);

	private final DiscoveryV1Api api;

	private final String namespace;

	private final String podName;

	private final Placement configured;

	private final ClientTopology topology;

	private final Duration interval;

	private volatile String service;

	private Duration wait;

	private boolean warned;

	private ScheduledExecutorService scheduler;

	/**
	 * Creates a locator; nothing is read before {@link #start()}.
	 * @param client the API client
	 * @param namespace the client's own namespace
	 * @param podName the client's pod name, or {@code null} when unknown (it then learns
	 * nothing)
	 * @param configured the zone and node set in configuration
	 * @param interval how often it looks again
	 */
	public SelfLocator(ApiClient client, String namespace, String podName, Placement configured, Duration interval) {
		this.api = new DiscoveryV1Api(client);
		this.namespace = namespace;
		this.podName = podName;
		this.configured = configured;
		this.topology = new ClientTopology(configured);
		this.interval = interval;
		this.wait = interval;
	}

	/**
	 * What it learns, kept current from {@link #start()} on.
	 * @return the topology
	 */
	public ClientTopology topology() {
		return this.topology;
	}

	/**
	 * Looks once now, on the calling thread, then again on a thread of its own.
	 * @return the topology, as learned by now
	 */
	public synchronized ClientTopology start() {
		if (this.scheduler != null || this.podName == null) {
			return this.topology;
		}
		this.scheduler = Daemons.scheduler("connbalance-self");
		look();
		return this.topology;
	}

	/** Stops looking. */
	public synchronized void stop() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
			this.scheduler = null;
		}
	}

	private void look() {
		boolean found = false;
		try {
			found = locate();
		}
		catch (ApiException ex) {
			warnOnce("connbalance cannot read the EndpointSlices of namespace '" + this.namespace + "' to learn "
					+ "its zone and peers (HTTP " + ex.getCode() + "); set connbalance.zone to route by zone");
		}
		catch (RuntimeException ex) {
			logger.debug("connbalance could not read its own EndpointSlices", ex);
		}
		if (found) {
			this.wait = this.interval;
		}
		else {
			this.wait = (this.wait.compareTo(LONGEST_WAIT.dividedBy(2)) > 0) ? LONGEST_WAIT : this.wait.multipliedBy(2);
		}
		schedule(this.wait);
	}

	private synchronized void schedule(Duration delay) {
		if (this.scheduler != null) {
			this.scheduler.schedule(this::look, delay.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/**
	 * Looks once.
	 * @return whether it found its own endpoint
	 * @throws ApiException when the API server refuses
	 */
	boolean locate() throws ApiException {
		String known = this.service;
		List<V1EndpointSlice> slices = (known != null) ? list(EndpointSliceWatch.SERVICE_NAME_LABEL + "=" + known)
				: list(null);
		TreeSet<String> services = new TreeSet<>();
		V1Endpoint self = null;
		for (V1EndpointSlice slice : slices) {
			for (V1Endpoint endpoint : endpoints(slice)) {
				if (isSelf(endpoint)) {
					services.add(EndpointSliceWatch.serviceName(slice));
					self = endpoint;
				}
			}
		}
		if (self == null) {
			this.service = null;
			warnOnce("connbalance found pod '" + this.podName + "' in no EndpointSlice of namespace '" + this.namespace
					+ "', so it cannot learn its zone and peers: put the pod behind a Service, or "
					+ "set connbalance.zone (and connbalance.kubernetes.pod-name if its host name is not its pod name)");
			return false;
		}
		// the peers are those of one Service, the same one on every client: the first by
		// name
		String service = services.first();
		if (!service.equals(known)) {
			if (services.size() > 1) {
				logger.warn("connbalance's pod '" + this.podName + "' is behind several Services " + services
						+ "; its peers are taken from '" + service + "'");
			}
			logger.info("connbalance runs in pod '" + this.podName + "' of Service '" + service + "', zone "
					+ self.getZone() + ", node " + self.getNodeName());
		}
		this.service = service;
		// each peer's zone, by pod name: the ready pods of the Service, and this one
		Map<String, String> peers = new TreeMap<>();
		for (V1EndpointSlice slice : slices) {
			if (!service.equals(EndpointSliceWatch.serviceName(slice))) {
				continue;
			}
			for (V1Endpoint endpoint : endpoints(slice)) {
				boolean ready = endpoint.getConditions() == null
						|| !Boolean.FALSE.equals(endpoint.getConditions().getReady());
				if (endpoint.getTargetRef() != null && (ready || isSelf(endpoint))) {
					peers.put(endpoint.getTargetRef().getName(), endpoint.getZone());
				}
			}
		}
		Map<String, String> zones = new TreeMap<>();
		peers.forEach((peer, zone) -> {
			if (zone != null) {
				zones.put(peer, zone);
			}
		});
		String zone = (this.configured.zone() != null) ? this.configured.zone() : self.getZone();
		String node = (this.configured.node() != null) ? this.configured.node() : self.getNodeName();
		this.topology.update(new Placement(zone, node, this.podName, new ArrayList<>(peers.keySet()), zones));
		return true;
	}

	/** Every slice of the namespace (or of a Service), page by page. */
	private List<V1EndpointSlice> list(String selector) throws ApiException {
		List<V1EndpointSlice> slices = new ArrayList<>();
		String next = null;
		do {
			V1EndpointSliceList page = this.api.listNamespacedEndpointSlice(this.namespace)
				.labelSelector(selector)
				.limit(PAGE)
				._continue(next)
				.execute();
			slices.addAll(page.getItems());
			next = (page.getMetadata() != null) ? page.getMetadata().getContinue() : null;
		}
		while (next != null && !next.isEmpty());
		return slices;
	}

	private void warnOnce(String message) {
		if (!this.warned) {
			this.warned = true;
			logger.warn(message);
		}
	}

	private boolean isSelf(V1Endpoint endpoint) {
		return endpoint.getTargetRef() != null && this.podName.equals(endpoint.getTargetRef().getName());
	}

	private static List<V1Endpoint> endpoints(V1EndpointSlice slice) {
		return (slice.getEndpoints() != null) ? slice.getEndpoints() : List.of();
	}

}
