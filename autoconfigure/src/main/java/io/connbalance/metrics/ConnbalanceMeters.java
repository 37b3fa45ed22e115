package io.connbalance.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.PodState;
import io.connbalance.refresh.PodRefresher;
import io.connbalance.refresh.RefreshStatus;
import io.connbalance.stats.ConnectionCounter;
import io.connbalance.stats.PodMeters;
import io.connbalance.stats.PodStats;

/**
 * Registers connbalance's meters: per service, its pods per state, retries, discovery
 * failures and staleness; per pod, its requests (a timer per client kind and outcome),
 * requests in flight, open connections per client kind and ejections. A pod's meters are
 * registered when it joins and removed once it has left and drained, so there is one set
 * of series per live pod.
 */
public final class ConnbalanceMeters {

	private final MeterRegistry registry;

	private final List<ConnectionCounter> counters;

	/** The connection counters by client kind, in order. */
	private final Map<String, List<ConnectionCounter>> countersByKind = new LinkedHashMap<>();

	/**
	 * The meters of each pod now bound, by service and pod name: the series they fill.
	 */
	private final Map<PodKey, PodBinding> bySeries = new HashMap<>();

	/** The same, by the pod's counters. */
	private final Map<PodStats, PodBinding> byStats = new IdentityHashMap<>();

	/**
	 * How many bound pods use each meter registered: several do when the registry's
	 * filters drop the {@code pod} tag, and a meter is removed when the last one leaves.
	 */
	private final Map<Meter, Integer> users = new IdentityHashMap<>();

	/**
	 * Registers the meters of every service and of its pods now and to come.
	 * @param registry the registry
	 * @param balancers the balancers
	 * @param refresher the refresher, for discovery failures and staleness
	 * @param counters the connection counters of the client kinds present
	 * @param clock the clock that discovery's {@link RefreshStatus#lastRefresh()} is read
	 * against
	 */
	public ConnbalanceMeters(MeterRegistry registry, ServiceBalancers balancers, PodRefresher refresher,
			List<ConnectionCounter> counters, Clock clock) {
		this.registry = registry;
		this.counters = List.copyOf(counters);
		counters.forEach((counter) -> this.countersByKind.computeIfAbsent(counter.kind(), (kind) -> new ArrayList<>())
			.add(counter));
		Instant bound = clock.instant();
		for (ServiceBalancer balancer : balancers.all()) {
			bindService(balancer, refresher, clock, bound);
			// listening first, then binding the pods there are: a pod that joins in
			// between is bound once either way
			String service = balancer.service();
			balancer.addPodListener((stats) -> bind(service, stats));
			balancer.addDrainListener(this::unbind);
			balancer.pods().forEach((stats) -> bind(service, stats));
		}
	}

	private void bindService(ServiceBalancer balancer, PodRefresher refresher, Clock clock, Instant bound) {
		String service = balancer.service();
		Tags tags = Tags.of("service", service);
		for (PodState state : PodState.values()) {
			Gauge.builder("connbalance.pods", balancer, (b) -> count(b, state))
				.description("Pods of the service in each state")
				.tags(tags)
				.tag("state", state.value())
				.strongReference(true)
				.register(this.registry);
		}
		FunctionCounter.builder("connbalance.retries", balancer, ServiceBalancer::retries)
			.description("Requests sent again to another pod after their pod failed them")
			.tags(tags)
			.register(this.registry);
		FunctionCounter
			.builder("connbalance.discovery.failures", refresher,
					(r) -> (r.status(service) != null) ? r.status(service).failures() : 0)
			.description("Discoveries of the service's pods that failed (the last known pods were kept)")
			.tags(tags)
			.register(this.registry);
		TimeGauge.builder("connbalance.discovery.staleness", refresher, TimeUnit.MILLISECONDS, (r) -> {
			RefreshStatus status = r.status(service);
			Instant last = (status != null && status.lastRefresh() != null) ? status.lastRefresh() : bound;
			// a wall clock stepped back must not make it negative
			return Math.max(0, Duration.between(last, clock.instant()).toMillis());
		})
			.description("Time since the service's pods were last confirmed by discovery (a watch or a refresh)")
			.tags(tags)
			.register(this.registry);
	}

	private double count(ServiceBalancer balancer, PodState state) {
		int count = 0;
		for (PodStats pod : balancer.pods()) {
			if (balancer.state(pod, this.counters) == state) {
				count++;
			}
		}
		return count;
	}

	private synchronized void bind(String service, PodStats stats) {
		PodKey key = new PodKey(service, stats.pod().name());
		PodBinding bound = this.byStats.get(stats);
		if (bound != null && bound.key().equals(key)) {
			return;
		}
		if (bound != null) {
			// renamed: its series are those of its new name
			unbind(stats);
		}
		if (stats.isDrained()) {
			// it drained before it could be bound, and will not be told again
			return;
		}
		PodBinding previous = this.bySeries.get(key);
		if (previous != null) {
			// the pod came back with new counters before its old ones were told they
			// drained: the series are registered again, reading the new ones
			unbind(previous.stats());
		}
		Tags tags = Tags.of("service", service, "pod", key.pod());
		List<Meter> meters = new ArrayList<>();
		meters.add(use(Gauge.builder("connbalance.requests.active", stats, PodStats::inFlight)
			.description("Requests sent to the pod and not yet finished")
			.tags(tags)
			.strongReference(true)
			.register(this.registry)));
		this.countersByKind.forEach((kind, counters) -> meters
			.add(use(Gauge.builder("connbalance.connections", stats, (pod) -> open(counters, service, pod))
				.description("Connections open to the pod, as the client library's own pool reports them")
				.tags(tags)
				.tag("client", kind)
				.strongReference(true)
				.register(this.registry))));
		meters.add(use(FunctionCounter.builder("connbalance.ejections", stats, PodStats::ejections)
			.description("Times the pod was ejected for failing")
			.tags(tags)
			.register(this.registry)));
		PodBinding binding = new PodBinding(key, stats, meters);
		this.bySeries.put(key, binding);
		this.byStats.put(stats, binding);
		stats.bind(new RequestTimers(tags, (timer) -> registerTimer(binding, timer)));
	}

	/**
	 * Registers a timer on a pod's first request of a client kind and outcome, unless the
	 * pod has been unbound meanwhile.
	 * @return the timer, or {@code null} once the pod is unbound
	 */
	private synchronized Timer registerTimer(PodBinding binding, Timer.Builder timer) {
		if (this.byStats.get(binding.stats()) != binding) {
			return null;
		}
		Timer registered = timer.register(this.registry);
		if (!binding.meters().contains(registered)) {
			binding.meters().add(use(registered));
		}
		return registered;
	}

	/** Counts one more pod using a meter. */
	private <M extends Meter> M use(M meter) {
		this.users.merge(meter, 1, Integer::sum);
		return meter;
	}

	private synchronized void unbind(PodStats stats) {
		PodBinding binding = this.byStats.remove(stats);
		if (binding == null) {
			return;
		}
		stats.bind(PodMeters.NONE);
		this.bySeries.remove(binding.key(), binding);
		for (Meter meter : binding.meters()) {
			if (this.users.merge(meter, -1, Integer::sum) <= 0) {
				this.users.remove(meter);
				this.registry.remove(meter);
			}
		}
	}

	private static double open(List<ConnectionCounter> counters, String service, PodStats pod) {
		int open = 0;
		for (ConnectionCounter counter : counters) {
			open += counter.openConnections(service, pod.pod());
		}
		return open;
	}

	private record PodKey(String service, String pod) {
	}

	private record PodBinding(PodKey key, PodStats stats, List<Meter> meters) {
	}

}
