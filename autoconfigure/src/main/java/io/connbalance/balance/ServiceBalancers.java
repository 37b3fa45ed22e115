package io.connbalance.balance;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import java.util.concurrent.ThreadLocalRandom;

import io.connbalance.pod.ClientTopology;
import io.connbalance.pod.ClientTopology.Placement;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.ServicePods;

/**
 * The balancers of all configured services, kept in step with the pod registry.
 */
public final class ServiceBalancers implements PodRegistry.Listener {

	private final Map<String, ServiceBalancer> balancers;

	/**
	 * Creates a balancer per service and subscribes them to the registry.
	 * @param registry the pod registry
	 * @param strategies the strategy for a service key
	 */
	public ServiceBalancers(PodRegistry registry, Function<String, BalancingStrategy> strategies) {
		this(registry, strategies, (service) -> BalancingOptions.DEFAULTS);
	}

	/**
	 * Creates a balancer per service with its own options and subscribes them to the
	 * registry.
	 * @param registry the pod registry
	 * @param strategies the strategy for a service key
	 * @param options the ejection, slow start and retry options for a service key
	 */
	public ServiceBalancers(PodRegistry registry, Function<String, BalancingStrategy> strategies,
			Function<String, BalancingOptions> options) {
		this(registry, strategies, options, new ClientTopology(Placement.UNKNOWN));
	}

	/**
	 * Creates a balancer per service with its own options, for a client whose placement
	 * may change, and subscribes them to the registry.
	 * @param registry the pod registry
	 * @param strategies the strategy for a service key
	 * @param options the options for a service key
	 * @param topology where the client runs
	 */
	public ServiceBalancers(PodRegistry registry, Function<String, BalancingStrategy> strategies,
			Function<String, BalancingOptions> options, ClientTopology topology) {
		Map<String, ServiceBalancer> byService = new LinkedHashMap<>();
		for (String service : registry.services()) {
			byService.put(service, new ServiceBalancer(service, strategies.apply(service), options.apply(service),
					topology, System::nanoTime, () -> ThreadLocalRandom.current().nextLong()));
		}
		this.balancers = Map.copyOf(byService);
		topology.addListener(() -> this.balancers.values().forEach(ServiceBalancer::placementChanged));
		// listening first, then reading: a change made in between is seen either way,
		// and a balancer ignores a snapshot older than the one it has
		registry.addListener(this);
		this.balancers.forEach((service, balancer) -> balancer.update(registry.get(service)));
	}

	/**
	 * The balancer of a service.
	 * @param service the service key (for HTTP, the URL's host)
	 * @return the balancer, or {@code null} when the service is not configured
	 */
	public ServiceBalancer get(String service) {
		return (service != null) ? this.balancers.get(service) : null;
	}

	/**
	 * Every balancer.
	 * @return the balancers
	 */
	public Collection<ServiceBalancer> all() {
		return this.balancers.values();
	}

	/**
	 * Samples every pod's running total, for its count over the recent window (see
	 * {@link io.connbalance.stats.PodStats#recent()}).
	 */
	public void tick() {
		this.balancers.values().forEach(ServiceBalancer::tick);
	}

	@Override
	public void podsChanged(ServicePods previous, ServicePods current) {
		ServiceBalancer balancer = this.balancers.get(current.service());
		if (balancer != null) {
			balancer.update(current);
		}
	}

}
