package io.connbalance.balance;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

import io.connbalance.stats.PodStats;

/**
 * Chooses the pod for the next request of one service. Implementations take no lock and
 * allocate nothing.
 */
public interface BalancingStrategy {

	/** Name of the round-robin strategy. */
	String ROUND_ROBIN = "round-robin";

	/** Name of the least-request (power of two choices) strategy. */
	String LEAST_REQUEST = "least-request";

	/**
	 * Name of the latency-aware strategy: power of two choices over response time (peak
	 * EWMA) x (requests in flight + 1).
	 */
	String PEAK_EWMA = "peak-ewma";

	/**
	 * Chooses one pod.
	 * @param pods the ready pods, never empty
	 * @return the chosen pod, one of {@code pods}
	 */
	PodStats choose(List<PodStats> pods);

	/**
	 * The strategy's configuration name.
	 * @return the name
	 */
	String name();

	/**
	 * The strategy names this version supports.
	 * @return the names
	 */
	static Set<String> names() {
		return Set.of(ROUND_ROBIN, LEAST_REQUEST, PEAK_EWMA);
	}

	/**
	 * Creates a strategy by name, with thread-local randomness.
	 * @param name a name from {@link #names()}
	 * @return a new strategy for one service
	 * @throws IllegalArgumentException for an unknown name
	 */
	static BalancingStrategy create(String name) {
		return create(name, () -> ThreadLocalRandom.current().nextLong());
	}

	/**
	 * Creates a strategy by name.
	 * @param name a name from {@link #names()}
	 * @param random the source of randomness (seed it in tests)
	 * @return a new strategy for one service
	 * @throws IllegalArgumentException for an unknown name
	 */
	static BalancingStrategy create(String name, RandomGenerator random) {
		return switch (name) {
			case ROUND_ROBIN -> roundRobin(random);
			case LEAST_REQUEST -> leastRequest(random);
			case PEAK_EWMA -> peakEwma(random);
			default -> throw new IllegalArgumentException("Unknown strategy '" + name + "'");
		};
	}

	/**
	 * Round-robin from a random starting position, so that clients do not move in
	 * lock-step.
	 * @param random the source of the starting position
	 * @return a new strategy
	 */
	static BalancingStrategy roundRobin(RandomGenerator random) {
		return new RoundRobinStrategy(random.nextInt(1 << 20));
	}

	/**
	 * Power of two choices over requests in flight: two distinct random pods, the one
	 * with fewer requests in flight wins, ties broken at random.
	 * @param random the source of randomness
	 * @return a new strategy
	 */
	static BalancingStrategy leastRequest(RandomGenerator random) {
		return new LeastRequestStrategy(random);
	}

	/**
	 * Power of two choices over response time (peak EWMA) x (requests in flight + 1).
	 * @param random the source of randomness
	 * @return a new strategy
	 */
	static BalancingStrategy peakEwma(RandomGenerator random) {
		return new PeakEwmaStrategy(random);
	}

}
