package io.connbalance.balance;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.connbalance.stats.Client;
import io.connbalance.pod.Pod;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.PodStats;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outlier ejection on a test clock: who is ejected, for how long, how many at once, and
 * panic.
 */
class OutlierEjectionTests {

	private static final OutlierEjection EJECTION = new OutlierEjection(5, Duration.ofSeconds(30),
			Duration.ofMinutes(5), 10, 50);

	private final AtomicLong clock = new AtomicLong(1_000_000_000L);

	@Test
	void fiveFailuresInARowEjectAPodForTheBaseTimeAndItThenReturns() {
		ServiceBalancer balancer = balancer(3, EJECTION);
		PodStats failing = pod(balancer, 0);
		fail(failing, 4);
		assertThat(balancer.isEjected(failing)).isFalse();
		fail(failing, 1);
		assertThat(balancer.isEjected(failing)).isTrue();
		assertThat(picks(balancer, 3000)).doesNotContainKey(failing).hasSize(2);

		advance(Duration.ofSeconds(29));
		assertThat(picks(balancer, 300)).doesNotContainKey(failing);
		advance(Duration.ofSeconds(1));
		assertThat(balancer.isEjected(failing)).isFalse();
		assertThat(picks(balancer, 3000)).hasSize(3).allSatisfy((pod, count) -> assertThat(count).isEqualTo(1000));
	}

	@Test
	void aSuccessStartsTheCountAgain() {
		ServiceBalancer balancer = balancer(3, EJECTION);
		PodStats flaky = pod(balancer, 1);
		fail(flaky, 4);
		succeed(flaky);
		fail(flaky, 4);
		assertThat(balancer.isEjected(flaky)).isFalse();
		fail(flaky, 1);
		assertThat(balancer.isEjected(flaky)).isTrue();
	}

	@Test
	void anEjectionSoonAfterTheLastDoublesAndQuietTimeBringsItBack() {
		ServiceBalancer balancer = balancer(3, EJECTION);
		PodStats failing = pod(balancer, 0);
		List<Long> lengths = new java.util.ArrayList<>();
		for (int i = 0; i < 5; i++) {
			fail(failing, 5);
			lengths.add(ejectionSeconds(balancer, failing));
		}
		// 30 s doubling, capped at 5 min
		assertThat(lengths).containsExactly(30L, 60L, 120L, 240L, 300L);

		// two quiet base times after its return lower its level by two
		advance(Duration.ofSeconds(60));
		fail(failing, 5);
		assertThat(ejectionSeconds(balancer, failing)).isEqualTo(240);
	}

	@Test
	void noMoreThanTheMaximumShareIsEjectedAndAtLeastOne() {
		ServiceBalancer balancer = balancer(10,
				new OutlierEjection(5, Duration.ofSeconds(30), Duration.ofMinutes(5), 20, 50));
		for (int i = 0; i < 4; i++) {
			fail(pod(balancer, i), 5);
		}
		assertThat(balancer.pods().stream().filter(balancer::isEjected)).hasSize(2);

		ServiceBalancer small = balancer(3, EJECTION);
		fail(pod(small, 0), 5);
		fail(pod(small, 1), 5);
		// 10% of 3 pods rounds down to none, but one may always be ejected
		assertThat(small.pods().stream().filter(small::isEjected)).containsExactly(pod(small, 0));
	}

	@Test
	void tooFewHealthyPodsIsPanicAndEveryReadyPodTakesRequests() {
		ServiceBalancer balancer = balancer(4, EJECTION);
		fail(pod(balancer, 0), 5);
		assertThat(balancer.isEjected(pod(balancer, 0))).isTrue();
		assertThat(picks(balancer, 300)).hasSize(3);
		assertThat(balancer.isPanic()).isFalse();

		// one ejected and two failing of four: 25% healthy, under the 50% threshold
		fail(pod(balancer, 1), 5);
		fail(pod(balancer, 2), 5);
		Map<PodStats, Integer> picks = picks(balancer, 4000);
		assertThat(balancer.isPanic()).isTrue();
		assertThat(picks).hasSize(4).allSatisfy((pod, count) -> assertThat(count).isEqualTo(1000));

		// the failing pods recover: out of panic, and the ejected pod stays out
		succeed(pod(balancer, 1));
		succeed(pod(balancer, 2));
		assertThat(picks(balancer, 300)).hasSize(3).doesNotContainKey(pod(balancer, 0));
		assertThat(balancer.isPanic()).isFalse();
	}

	@Test
	void panicEndsWhenTheLastEjectionEnds() {
		ServiceBalancer balancer = balancer(4, EJECTION);
		fail(pod(balancer, 0), 5);
		fail(pod(balancer, 1), 5);
		fail(pod(balancer, 2), 5);
		picks(balancer, 100);
		assertThat(balancer.isPanic()).isTrue();
		// the failing pods stay quiet: only the ejection's end brings the service out
		this.clock.addAndGet(Duration.ofSeconds(31).toNanos());
		picks(balancer, 100);
		assertThat(balancer.isEjected(pod(balancer, 0))).isFalse();
		assertThat(balancer.isPanic()).isFalse();
	}

	@Test
	void aCancelledRequestOrAFullPoolLeavesThePodsRunOfFailuresAsItIs() {
		ServiceBalancer balancer = balancer(3, EJECTION);
		PodStats pod = pod(balancer, 0);
		fail(pod, 4);
		assertThat(pod.begin()).isTrue();
		pod.endCancelled(pod.now(), false, false);
		assertThat(pod.begin()).isTrue();
		pod.endWithoutResponse(Client.WEBCLIENT, pod.now(), true, false);
		assertThat(pod.consecutiveFailures()).isEqualTo(4);
		fail(pod, 1);
		assertThat(balancer.isEjected(pod)).isTrue();
	}

	@Test
	void withEjectionOffAPodIsNeverEjected() {
		ServiceBalancer balancer = balancer(3, OutlierEjection.OFF);
		fail(pod(balancer, 0), 100);
		assertThat(balancer.isEjected(pod(balancer, 0))).isFalse();
		assertThat(picks(balancer, 300)).hasSize(3);
	}

	@Test
	void aRequestFailureThatIsNotThePodsFaultDoesNotCount() {
		ServiceBalancer balancer = balancer(3, EJECTION);
		PodStats pod = pod(balancer, 0);
		for (int i = 0; i < 10; i++) {
			assertThat(pod.begin()).isTrue();
			pod.end(Client.WEBCLIENT, 0, true, false);
		}
		assertThat(pod.failed()).isEqualTo(10);
		assertThat(balancer.isEjected(pod)).isFalse();
	}

	private ServiceBalancer balancer(int pods, OutlierEjection ejection) {
		ServiceBalancer balancer = new ServiceBalancer("backend", BalancingStrategy.roundRobin(new SplittableRandom(1)),
				new BalancingOptions(ejection, Duration.ZERO, 0), this.clock::get, new SplittableRandom(2));
		balancer.update(new ServicePods("backend", 1,
				IntStream.range(0, pods).mapToObj((i) -> Pod.of("127.0.0." + (i + 2), 8080)).toList()));
		return balancer;
	}

	private static PodStats pod(ServiceBalancer balancer, int index) {
		return balancer.find("127.0.0." + (index + 2) + ":8080");
	}

	private static void fail(PodStats pod, int times) {
		for (int i = 0; i < times; i++) {
			assertThat(pod.begin()).isTrue();
			pod.end(Client.WEBCLIENT, 0, true, true);
		}
	}

	private static void succeed(PodStats pod) {
		assertThat(pod.begin()).isTrue();
		pod.end(Client.WEBCLIENT, 0, false, false);
	}

	private long ejectionSeconds(ServiceBalancer balancer, PodStats pod) {
		assertThat(balancer.isEjected(pod)).isTrue();
		long seconds = Duration.ofNanos(balancer.ejectedUntil(pod) - this.clock.get()).toSeconds();
		// let it return: the next ejection follows right after
		this.clock.set(balancer.ejectedUntil(pod));
		balancer.choose();
		assertThat(balancer.isEjected(pod)).isFalse();
		return seconds;
	}

	private void advance(Duration duration) {
		this.clock.addAndGet(duration.toNanos());
	}

	private static Map<PodStats, Integer> picks(ServiceBalancer balancer, int count) {
		Map<PodStats, Integer> picks = new HashMap<>();
		for (int i = 0; i < count; i++) {
			picks.merge(balancer.choose(), 1, Integer::sum);
		}
		return picks;
	}

}
