package io.connbalance.balance;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.connbalance.stats.Client;
import io.connbalance.pod.Pod;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.PodStats;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Slow start on a test clock: a pod that joins a running service ramps up over the
 * window, for every strategy.
 */
class SlowStartTests {

	private static final Duration WINDOW = Duration.ofSeconds(60);

	private final AtomicLong clock = new AtomicLong(5_000_000_000L);

	@ParameterizedTest
	@ValueSource(strings = { "round-robin", "least-request", "peak-ewma" })
	void aPodThatJoinsRampsUpOverTheWindowInsteadOfJumping(String strategy) {
		ServiceBalancer balancer = new ServiceBalancer("backend",
				BalancingStrategy.create(strategy, new SplittableRandom(7)),
				new BalancingOptions(OutlierEjection.DEFAULTS, WINDOW, 1), this.clock::get, new SplittableRandom(8));
		List<Pod> pods = IntStream.range(0, 4).mapToObj((i) -> Pod.of("127.0.0." + (i + 2), 8080)).toList();
		balancer.update(new ServicePods("backend", 1, pods.subList(0, 3)));
		assertThat(balancer.pods()).noneMatch(balancer::isRamping);
		balancer.update(new ServicePods("backend", 2, pods));
		PodStats joined = balancer.find(pods.get(3).address());
		assertThat(balancer.isRamping(joined)).isTrue();

		// its share of requests, relative to the fair share (1/4), at points of the
		// window
		double[] at = { 0, 0.25, 0.5, 0.75, 1.0 };
		double[] share = new double[at.length];
		long start = this.clock.get();
		for (int i = 0; i < at.length; i++) {
			this.clock.set(start + (long) (at[i] * WINDOW.toNanos()));
			share[i] = relativeShare(balancer, joined, 8000);
		}
		assertThat(share[0]).isLessThan(0.2);
		for (int i = 1; i < at.length; i++) {
			assertThat(share[i]).isGreaterThan(share[i - 1]);
		}
		assertThat(share[2]).isBetween(0.3, 0.8);
		assertThat(share[4]).isCloseTo(1.0, within(0.06));
		assertThat(balancer.isRamping(joined)).isFalse();
		assertThat(balancer.rampWeight(joined, this.clock.get())).isEqualTo(1.0);
	}

	@ParameterizedTest
	@ValueSource(strings = { "round-robin", "least-request" })
	void withoutAWindowAPodThatJoinsTakesItsShareAtOnce(String strategy) {
		ServiceBalancer balancer = new ServiceBalancer("backend",
				BalancingStrategy.create(strategy, new SplittableRandom(7)),
				new BalancingOptions(OutlierEjection.DEFAULTS, Duration.ZERO, 1), this.clock::get,
				new SplittableRandom(8));
		List<Pod> pods = IntStream.range(0, 4).mapToObj((i) -> Pod.of("127.0.0." + (i + 2), 8080)).toList();
		balancer.update(new ServicePods("backend", 1, pods.subList(0, 3)));
		balancer.update(new ServicePods("backend", 2, pods));
		assertThat(relativeShare(balancer, balancer.find(pods.get(3).address()), 8000)).isCloseTo(1.0, within(0.06));
	}

	private static double relativeShare(ServiceBalancer balancer, PodStats pod, int picks) {
		int count = 0;
		for (int i = 0; i < picks; i++) {
			PodStats chosen = balancer.acquire();
			if (chosen == pod) {
				count++;
			}
			chosen.end(Client.WEBCLIENT, 0, false, false);
		}
		return (double) count / picks * balancer.pods().size();
	}

}
