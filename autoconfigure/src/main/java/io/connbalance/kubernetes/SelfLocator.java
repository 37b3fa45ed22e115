package io.connbalance.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.connbalance.pod.ClientTopology;
import io.connbalance.pod.ClientTopology.Placement;

/**
 * Learns where this client runs from the EndpointSlices of its own Service, which needs
 * no privilege beyond reading EndpointSlices (as connbalance does anyway): the endpoint
 * whose {@code targetRef} is this pod names its {@code zone} and {@code nodeName}, and
 * the other endpoints of the same Service are its peers (for deterministic subsets, and
 * for how clients spread over zones).
 * <p>
 * The first look lists every slice of the namespace to find the client's own; later ones
 * list only its Service's slices, every refresh interval. A client in no Service keeps
 * what configuration says.
 */
public final class SelfLocator {

	private static final Log logger = LogFactory.getLog(SelfLocator.class);

	private final DiscoveryV1Api api;

	private final String namespace;

	private final String podName;

	private final ClientTopology topology;

	private final Placement configured;

	private final Duration interval;

	private volatile String service;

	private ScheduledExecutorService scheduler;

	/**
	 * Creates a locator.
	 * @param client the API client
	 * @param namespace the client's namespace
	 * @param podName the client's pod name, or {@code null} when unknown (it then learns
	 * nothing)
	 * @param topology what it updates
	 * @param interval how often it looks again
	 */
	public SelfLocator(ApiClient client, String namespace, String podName, ClientTopology topology, Duration interval) {
		this.api = new DiscoveryV1Api(client);
		this.namespace = namespace;
		this.podName = podName;
		this.topology = topology;
		this.configured = topology.placement();
		this.interval = interval;
	}

	/** Looks now, then every interval, on a thread of its own. */
	public synchronized void start() {
		if (this.scheduler != null || this.podName == null) {
			return;
		}
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "connbalance-self");
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler.scheduleWithFixedDelay(this::locateQuietly, 0, this.interval.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** Stops looking. */
	public synchronized void stop() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
			this.scheduler = null;
		}
	}

	/**
	 * Whether it looks.
	 * @return {@code true} between start and stop
	 */
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

	private void locateQuietly() {
		try {
			locate();
		}
		catch (ApiException ex) {
			logger.debug("connbalance could not read its own EndpointSlices (HTTP " + ex.getCode() + ")", ex);
		}
		catch (RuntimeException ex) {
			logger.debug("connbalance could not read its own EndpointSlices", ex);
		}
	}

	/**
	 * Looks once.
	 * @throws ApiException when the API server refuses
	 */
	public void locate() throws ApiException {
		String service = this.service;
		List<V1EndpointSlice> slices = (service != null) ? this.api.listNamespacedEndpointSlice(this.namespace)
			.labelSelector(EndpointSliceWatch.SERVICE_NAME_LABEL + "=" + service)
			.execute()
			.getItems() : this.api.listNamespacedEndpointSlice(this.namespace).execute().getItems();
		V1Endpoint self = null;
		for (V1EndpointSlice slice : slices) {
			for (V1Endpoint endpoint : endpoints(slice)) {
				if (isSelf(endpoint)) {
					self = endpoint;
					service = EndpointSliceWatch.serviceName(slice);
				}
			}
		}
		if (self == null || service == null) {
			this.service = null;
			return;
		}
		if (!service.equals(this.service)) {
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
					peers.put(endpoint.getTargetRef().getName(), String.valueOf(endpoint.getZone()));
				}
			}
		}
		Map<String, Integer> zones = new TreeMap<>();
		if (!peers.containsValue("null")) {
			peers.values().forEach((zone) -> zones.merge(zone, 1, Integer::sum));
		}
		String zone = (this.configured.zone() != null) ? this.configured.zone() : self.getZone();
		String node = (this.configured.node() != null) ? this.configured.node() : self.getNodeName();
		this.topology.update(new Placement(zone, node, this.podName, new ArrayList<>(peers.keySet()), zones));
	}

	private boolean isSelf(V1Endpoint endpoint) {
		return endpoint.getTargetRef() != null && this.podName.equals(endpoint.getTargetRef().getName());
	}

	private static List<V1Endpoint> endpoints(V1EndpointSlice slice) {
		return (slice.getEndpoints() != null) ? slice.getEndpoints() : List.of();
	}

}
