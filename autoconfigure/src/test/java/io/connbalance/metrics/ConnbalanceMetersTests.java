package io.connbalance.metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.discovery.DiscoveredPods;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.PodState;
import io.connbalance.pod.ServiceTarget;
import io.connbalance.refresh.PodRefresher;
import io.connbalance.stats.Client;
import io.connbalance.stats.PodStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which series exist as pods join, leave, return and are renamed, and that no series of a
 * live pod is ever removed.
 */
class ConnbalanceMetersTests {

	private static final Pod A = new Pod("a", "10.0.0.1", 8080, null, PodState.READY);

	private static final Pod B = new Pod("b", "10.0.0.2", 8080, null, PodState.READY);

	private final PodRegistry pods = new PodRegistry(List.of("backend"));

	private final ServiceBalancers balancers = new ServiceBalancers(this.pods,
			(service) -> BalancingStrategy.create("round-robin"));

	private final ServiceBalancer balancer = this.balancers.get("backend");

	private MeterRegistry bind(MeterRegistry registry) {
		ServiceTarget target = new ServiceTarget("backend", "backend", null, null, "round-robin");
		PodRefresher refresher = new PodRefresher(this.pods, (service) -> new DiscoveredPods("test", List.of()),
				List.of(target), Duration.ofHours(1), Clock.systemUTC());
		new ConnbalanceMeters(registry, this.balancers, refresher, List.of(), Clock.systemUTC());
		return registry;
	}

	@Test
	void aPodsSeriesLiveUntilItDrains() {
		this.pods.update("backend", List.of(A, B));
		MeterRegistry registry = bind(new SimpleMeterRegistry());
		PodStats a = this.balancer.find(A.address());
		assertThat(a.begin()).isTrue();
		this.pods.update("backend", List.of(B));
		assertThat(registry.find("connbalance.requests.active").tag("pod", "a").gauge().value()).isEqualTo(1);
		a.end(Client.GRPC, a.now(), false, false);
		assertThat(registry.find("connbalance.requests.active").tag("pod", "a").gauge()).isNull();
		assertThat(registry.find("connbalance.ejections").tag("pod", "a").functionCounter()).isNull();
		assertThat(registry.find("connbalance.requests").tag("pod", "a").timers()).isEmpty();
		assertThat(registry.find("connbalance.requests.active").tag("pod", "b").gauge()).isNotNull();
	}

	@Test
	void aRequestThatEndsAfterItsPodWasUnboundRegistersNothing() {
		this.pods.update("backend", List.of(A));
		MeterRegistry registry = bind(new SimpleMeterRegistry());
		PodStats a = this.balancer.find(A.address());
		assertThat(a.begin()).isTrue();
		assertThat(a.begin()).isTrue();
		this.pods.update("backend", List.of());
		a.end(Client.WEBCLIENT, a.now(), false, false);
		a.end(Client.WEBCLIENT, a.now(), true, true);
		assertThat(registry.find("connbalance.requests").timers()).isEmpty();
		assertThat(registry.find("connbalance.requests.active").gauges()).isEmpty();
	}

	@Test
	void aPodThatReturnsWithNewCountersKeepsItsSeriesWhenTheOldCountersDrain() {
		this.pods.update("backend", List.of(A));
		MeterRegistry registry = bind(new SimpleMeterRegistry());
		PodStats old = this.balancer.find(A.address());
		old.end(Client.RESTCLIENT, old.now(), false, false);
		assertThat(old.begin()).isTrue();
		this.pods.update("backend", List.of());
		// the same name on a new address, while the old one still drains
		Pod returned = new Pod("a", "10.0.0.9", 8080, null, PodState.READY);
		this.pods.update("backend", List.of(returned));
		PodStats current = this.balancer.find(returned.address());
		assertThat(current).isNotSameAs(old);
		current.begin();
		current.end(Client.RESTCLIENT, current.now(), false, false);
		old.end(Client.RESTCLIENT, old.now(), true, true);
		assertThat(registry.find("connbalance.requests.active").tag("pod", "a").gauge()).isNotNull();
		assertThat(registry.find("connbalance.requests").tags("pod", "a", "outcome", "SUCCESS").timer()).isNotNull()
			.satisfies((timer) -> assertThat(timer.count()).isEqualTo(1));
		assertThat(registry.find("connbalance.requests").tags("pod", "a", "outcome", "FAILURE").timer()).isNull();
		current.begin();
		current.end(Client.RESTCLIENT, current.now(), false, false);
		assertThat(registry.find("connbalance.requests").tags("pod", "a", "outcome", "SUCCESS").timer().count())
			.isEqualTo(2);
	}

	@Test
	void aRenamedPodsSeriesTakeItsNewName() {
		this.pods.update("backend", List.of(A));
		MeterRegistry registry = bind(new SimpleMeterRegistry());
		this.pods.update("backend", List.of(new Pod("a2", A.host(), A.port(), null, PodState.READY)));
		assertThat(registry.find("connbalance.requests.active").tag("pod", "a").gauge()).isNull();
		assertThat(registry.find("connbalance.requests.active").tag("pod", "a2").gauge()).isNotNull();
		PodStats renamed = this.balancer.find(A.address());
		renamed.begin();
		renamed.end(Client.GRPC, renamed.now(), false, false);
		assertThat(registry.find("connbalance.requests").tag("pod", "a2").timer().count()).isEqualTo(1);
	}

	@Test
	void withThePodTagDroppedTheSharedSeriesStayUntilTheLastPodLeaves() {
		this.pods.update("backend", List.of(A, B));
		MeterRegistry registry = new SimpleMeterRegistry();
		registry.config().meterFilter(MeterFilter.ignoreTags("pod"));
		bind(registry);
		for (Pod pod : List.of(A, B)) {
			PodStats stats = this.balancer.find(pod.address());
			stats.begin();
			stats.end(Client.WEBCLIENT, stats.now(), false, false);
		}
		assertThat(registry.find("connbalance.requests").timer().count()).isEqualTo(2);
		this.pods.update("backend", List.of(B));
		assertThat(registry.find("connbalance.requests").timer()).isNotNull();
		assertThat(registry.find("connbalance.requests.active").gauge()).isNotNull();
		this.pods.update("backend", List.of());
		assertThat(registry.find("connbalance.requests").timer()).isNull();
		assertThat(registry.find("connbalance.requests.active").gauge()).isNull();
	}

}
