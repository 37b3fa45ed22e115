package io.connbalance.balance;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.connbalance.stats.Client;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodState;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.PodStats;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ServiceBalancerTests {

	private final ServiceBalancer balancer = new ServiceBalancer("backend",
			BalancingStrategy.roundRobin(new SplittableRandom(1)), BalancingOptions.DEFAULTS);

	private final List<String> drained = new ArrayList<>();

	private final Pod a = Pod.of("127.0.0.2", 8080);

	private final Pod b = Pod.of("127.0.0.3", 8080);

	ServiceBalancerTests() {
		this.balancer.addDrainListener((stats) -> this.drained.add(stats.pod().address()));
	}

	@Test
	void acquireFailsWithTheServiceNameWhenThereAreNoPods() {
		assertThatExceptionOfType(NoPodAvailableException.class).isThrownBy(this.balancer::acquire)
			.withMessageContaining("'backend'");
	}

	@Test
	void aPodThatLeavesGetsNoNewRequestsAndDrainsWhenItsLastRequestEnds() {
		this.balancer.update(new ServicePods("backend", 1, List.of(this.a, this.b)));
		PodStats first = this.balancer.acquire();
		PodStats second = this.balancer.acquire();
		assertThat(List.of(first.pod(), second.pod())).containsExactlyInAnyOrder(this.a, this.b);
		PodStats onA = (first.pod().equals(this.a)) ? first : second;
		PodStats onB = (onA == first) ? second : first;
		onB.end(Client.WEBCLIENT, 0, false, false);

		this.balancer.update(new ServicePods("backend", 2, List.of(this.b)));
		for (int i = 0; i < 10; i++) {
			PodStats stats = this.balancer.acquire();
			assertThat(stats.pod()).isEqualTo(this.b);
			stats.end(Client.WEBCLIENT, 0, false, false);
		}
		assertThat(onA.isRetired()).isTrue();
		assertThat(this.drained).isEmpty();
		assertThat(this.balancer.pods()).hasSize(2);

		onA.end(Client.WEBCLIENT, 0, false, false);
		assertThat(this.drained).containsExactly(this.a.address());
		assertThat(this.balancer.pods()).extracting(PodStats::pod).containsExactly(this.b);
		assertThat(onA.begin()).isFalse();
	}

	@Test
	void anIdlePodThatLeavesDrainsAtOnce() {
		this.balancer.update(new ServicePods("backend", 1, List.of(this.a, this.b)));
		this.balancer.update(new ServicePods("backend", 2, List.of(this.a)));
		assertThat(this.drained).containsExactly(this.b.address());
	}

	@Test
	void aPodThatComesBackBeforeDrainingKeepsItsCounters() {
		this.balancer.update(new ServicePods("backend", 1, List.of(this.a)));
		PodStats stats = this.balancer.acquire();
		this.balancer.update(new ServicePods("backend", 2, List.of(this.b)));
		this.balancer.update(new ServicePods("backend", 3, List.of(this.a, this.b)));
		stats.end(Client.WEBCLIENT, 0, false, false);
		assertThat(this.drained).isEmpty();
		assertThat(this.balancer.find(this.a.address())).isSameAs(stats);
		assertThat(stats.total()).isEqualTo(1);
	}

	@Test
	void aDrainingPodInTheServiceIsKnownButNotChosen() {
		this.balancer.update(new ServicePods("backend", 1, List.of(this.a, this.b.withState(PodState.DRAINING))));
		for (int i = 0; i < 10; i++) {
			assertThat(this.balancer.choose().pod()).isEqualTo(this.a);
		}
		assertThat(this.balancer.pods()).hasSize(2);
	}

	@Test
	void failedRequestsAreCounted() {
		this.balancer.update(new ServicePods("backend", 1, List.of(this.a)));
		this.balancer.acquire().end(Client.WEBCLIENT, 0, true, true);
		this.balancer.acquire().end(Client.WEBCLIENT, 0, false, false);
		PodStats stats = this.balancer.find(this.a.address());
		assertThat(stats.total()).isEqualTo(2);
		assertThat(stats.failed()).isEqualTo(1);
		assertThat(stats.inFlight()).isZero();
	}

}
