package io.connbalance.balance;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.connbalance.stats.Client;
import io.connbalance.pod.Pod;
import io.connbalance.stats.PodStats;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BalancingStrategyTests {

	private final List<PodStats> pods = IntStream.rangeClosed(1, 3)
		.mapToObj((i) -> new PodStats(Pod.of("127.0.0." + (i + 1), 8080), (stats) -> {
		}))
		.toList();

	@Test
	void roundRobinVisitsEveryPodInTurn() {
		BalancingStrategy strategy = BalancingStrategy.roundRobin(new SplittableRandom(1));
		List<PodStats> picks = IntStream.range(0, 9).mapToObj((i) -> strategy.choose(this.pods)).toList();
		for (int i = 0; i < 9; i++) {
			assertThat(picks.get(i)).isSameAs(picks.get(i % 3));
		}
		assertThat(picks.subList(0, 3)).containsExactlyInAnyOrderElementsOf(this.pods);
	}

	@Test
	void roundRobinStartsAtARandomPosition() {
		long distinctStarts = IntStream.range(0, 30)
			.mapToObj((seed) -> BalancingStrategy.roundRobin(new SplittableRandom(seed)).choose(this.pods))
			.distinct()
			.count();
		assertThat(distinctStarts).isEqualTo(3);
	}

	@Test
	void leastRequestPrefersThePodWithFewerRequestsInFlight() {
		BalancingStrategy strategy = BalancingStrategy.leastRequest(new SplittableRandom(7));
		this.pods.get(0).begin();
		this.pods.get(0).begin();
		this.pods.get(1).begin();
		Map<PodStats, Integer> counts = count(strategy, 3000);
		// pod 3 (0 in flight) wins every pair it is in (2 of 3 pairs), pod 2 wins the
		// rest
		assertThat(counts.get(this.pods.get(2))).isBetween(1900, 2100);
		assertThat(counts.get(this.pods.get(1))).isBetween(900, 1100);
		assertThat(counts.get(this.pods.get(0))).isNull();
	}

	@Test
	void leastRequestSpreadsEvenlyWhenNothingIsInFlight() {
		Map<PodStats, Integer> counts = count(BalancingStrategy.leastRequest(new SplittableRandom(3)), 30000);
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(9500, 10500));
	}

	@Test
	void peakEwmaAvoidsASlowPodUntilTheOthersAreBusierThanItIsSlow() {
		AtomicLong clock = new AtomicLong();
		List<PodStats> pods = IntStream.rangeClosed(1, 5)
			.mapToObj((i) -> new PodStats(Pod.of("127.0.0." + (i + 1), 8080), (stats) -> {
			}, clock::get))
			.toList();
		PodStats slow = pods.get(2);
		BalancingStrategy strategy = BalancingStrategy.peakEwma(new SplittableRandom(7));
		// every pod answered once; then each pick is answered: 5 ms, the slow pod 50 ms
		pods.forEach((pod) -> pod.responded(clock.get() - latency(pod, slow)));
		Map<PodStats, Integer> idle = serve(strategy, pods, slow, clock, 5000);
		assertThat(idle).doesNotContainKey(slow);
		assertThat(idle.values()).allSatisfy((count) -> assertThat(count).isBetween(1100, 1400));
		// 10 in flight on each fast pod: 5 ms x 11 is more than 50 ms x 1
		pods.stream().filter((pod) -> pod != slow).forEach((pod) -> IntStream.range(0, 10).forEach((i) -> pod.begin()));
		Map<PodStats, Integer> busy = serve(strategy, pods, slow, clock, 5000);
		// the slow pod wins every pair it is in: 8 of the 20 ordered pairs
		assertThat(busy.get(slow)).isBetween(1800, 2200);
	}

	private static long latency(PodStats pod, PodStats slow) {
		return (pod == slow) ? 50_000_000 : 5_000_000;
	}

	/**
	 * Picks a pod, one a millisecond, each answered at once with its latency.
	 */
	private static Map<PodStats, Integer> serve(BalancingStrategy strategy, List<PodStats> pods, PodStats slow,
			AtomicLong clock, int picks) {
		Map<PodStats, Integer> counts = new HashMap<>();
		for (int i = 0; i < picks; i++) {
			PodStats chosen = strategy.choose(pods);
			counts.merge(chosen, 1, Integer::sum);
			chosen.begin();
			chosen.responded(clock.get() - latency(chosen, slow));
			chosen.end(Client.WEBCLIENT, 0, false, false);
			clock.addAndGet(1_000_000);
		}
		return counts;
	}

	@Test
	void peakEwmaTriesASlowPodAgainOnceItsEstimateHasFaded() {
		AtomicLong clock = new AtomicLong();
		List<PodStats> pods = IntStream.rangeClosed(1, 2)
			.mapToObj((i) -> new PodStats(Pod.of("127.0.0." + (i + 1), 8080), (stats) -> {
			}, clock::get))
			.toList();
		pods.get(0).responded(clock.get() - 200_000_000);
		BalancingStrategy strategy = BalancingStrategy.peakEwma(new SplittableRandom(7));
		assertThat(count(strategy, pods, 100)).containsOnlyKeys(pods.get(1));
		// the fast pod keeps answering in 5 ms; the slow one gets nothing for a minute
		for (int second = 0; second < 60; second++) {
			clock.addAndGet(1_000_000_000);
			pods.get(1).responded(clock.get() - 5_000_000);
		}
		assertThat(pods.get(0).latencyEstimate()).isLessThan(5_000_000);
		assertThat(count(strategy, pods, 100)).containsKey(pods.get(0));
	}

	@Test
	void peakEwmaShunsAHungPodThatHoldsRequestsWithoutAnswering() {
		AtomicLong clock = new AtomicLong();
		List<PodStats> pods = IntStream.rangeClosed(1, 2)
			.mapToObj((i) -> new PodStats(Pod.of("127.0.0." + (i + 1), 8080), (stats) -> {
			}, clock::get))
			.toList();
		PodStats hung = pods.get(0);
		PodStats healthy = pods.get(1);
		// both answered in 5 ms; then the first hangs with 100 requests and answers none
		for (PodStats pod : pods) {
			pod.begin();
			pod.responded(clock.get() - 5_000_000);
			pod.end(Client.WEBCLIENT, 0, false, false);
		}
		for (int i = 0; i < 100; i++) {
			hung.begin();
		}
		clock.addAndGet(60_000_000_000L);
		// a minute on, its average alone has faded to nothing: its pending requests
		// count, and it costs more than the idle healthy pod
		assertThat(hung.latencyEstimate()).isGreaterThanOrEqualTo(60_000_000_000L);
		BalancingStrategy strategy = BalancingStrategy.peakEwma(new SplittableRandom(7));
		assertThat(count(strategy, pods, 100)).containsOnlyKeys(healthy);
	}

	@Test
	void peakEwmaDoesNotChargeAStreamWhoseResponseHasBegunForItsLength() {
		AtomicLong clock = new AtomicLong();
		PodStats pod = new PodStats(Pod.of("127.0.0.2", 8080), (stats) -> {
		}, clock::get);
		pod.begin();
		pod.responded(clock.get() - 5_000_000);
		clock.addAndGet(60_000_000_000L);
		assertThat(pod.inFlight()).isOne();
		assertThat(pod.latencyEstimate()).isLessThan(5_000_000);
	}

	@Test
	void peakEwmaCountsARequestThatGotNoResponseAsAtLeastTwiceTheEstimate() {
		AtomicLong clock = new AtomicLong();
		PodStats pod = new PodStats(Pod.of("127.0.0.2", 8080), (stats) -> {
		}, clock::get);
		pod.begin();
		pod.responded(clock.get() - 5_000_000);
		// a failure that came back in 1 ms does not make the pod look fast
		pod.begin();
		pod.noResponse(clock.get() - 1_000_000, true);
		assertThat(pod.latencyEstimate()).isEqualTo(10_000_000);
		// failures in a burst double it up to 1 s, no further
		for (int i = 0; i < 60; i++) {
			pod.begin();
			pod.noResponse(clock.get() - 1_000_000, true);
		}
		assertThat(pod.latencyEstimate()).isBetween(999_000_000L, 1_000_000_000L);
		// a timeout counts as the time it took
		pod.begin();
		pod.noResponse(clock.get() - 2_000_000_000L, true);
		assertThat(pod.latencyEstimate()).isEqualTo(2_000_000_000L);
		// a cancellation is no response time
		pod.begin();
		pod.noResponse(clock.get() - 1_000_000, false);
		assertThat(pod.latencyEstimate()).isEqualTo(2_000_000_000L);
	}

	@Test
	void aSinglePodIsAlwaysChosen() {
		assertThat(BalancingStrategy.leastRequest(new SplittableRandom(1)).choose(this.pods.subList(0, 1)))
			.isSameAs(this.pods.get(0));
	}

	@Test
	void createRejectsAnUnknownName() {
		assertThatIllegalArgumentException().isThrownBy(() -> BalancingStrategy.create("fastest"))
			.withMessageContaining("fastest");
		assertThat(BalancingStrategy.create("round-robin").name()).isEqualTo("round-robin");
		assertThat(BalancingStrategy.create("least-request").name()).isEqualTo("least-request");
		assertThat(BalancingStrategy.create("peak-ewma").name()).isEqualTo("peak-ewma");
	}

	private Map<PodStats, Integer> count(BalancingStrategy strategy, int picks) {
		return count(strategy, this.pods, picks);
	}

	private static Map<PodStats, Integer> count(BalancingStrategy strategy, List<PodStats> pods, int picks) {
		Map<PodStats, Integer> counts = new HashMap<>();
		for (int i = 0; i < picks; i++) {
			counts.merge(strategy.choose(pods), 1, Integer::sum);
		}
		return counts;
	}

}
