package io.connbalance.balance;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

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
	}

	private Map<PodStats, Integer> count(BalancingStrategy strategy, int picks) {
		Map<PodStats, Integer> counts = new HashMap<>();
		for (int i = 0; i < picks; i++) {
			counts.merge(strategy.choose(this.pods), 1, Integer::sum);
		}
		return counts;
	}

}
