package io.connbalance.kubernetes;

import io.connbalance.discovery.DiscoveredPods;
import io.connbalance.discovery.PodSource;
import io.connbalance.pod.ServiceTarget;

/**
 * Finds pods in the EndpointSlices of their Service, as watched by an
 * {@link EndpointSliceWatch}; until the watch has its first list, or when slices cannot
 * be read, it asks the fallback source (the DiscoveryClient) instead. Its answers are
 * authoritative: a Service whose slices list no ready endpoint has no pods.
 */
public class EndpointSlicePodSource implements PodSource {

	/** The source name shown in the endpoint. */
	public static final String SOURCE = "kubernetes";

	private final EndpointSliceWatch watch;

	private final PodSource fallback;

	/**
	 * Creates a source.
	 * @param watch the watch of the services' slices
	 * @param fallback the source used while slices are not available
	 */
	public EndpointSlicePodSource(EndpointSliceWatch watch, PodSource fallback) {
		this.watch = watch;
		this.fallback = fallback;
	}

	@Override
	public DiscoveredPods discover(ServiceTarget target) {
		if (!this.watch.isAvailable()) {
			return this.fallback.discover(target);
		}
		// while the API server does not answer, the informer's last view is the best
		// there is (with every event it got until then): served, and shown as stale
		String stale = this.watch.isFailing()
				? "the API server has not answered the watch of EndpointSlices since " + this.watch.lastAnswer() : null;
		// the slices are the truth: none ready means none ready (scaled to zero, or every
		// pod unready), not a discovery failure
		return new DiscoveredPods(SOURCE, EndpointSlicePods.pods(target, this.watch.slices(target.serviceId())), true,
				stale);
	}

	@Override
	public void start(Runnable onChange) {
		this.fallback.start(onChange);
		this.watch.start(onChange);
	}

	@Override
	public void stop() {
		this.watch.stop();
		this.fallback.stop();
	}

}
