package io.connbalance.balance;

import java.util.List;
import java.util.random.RandomGenerator;

import io.connbalance.stats.PodStats;

/**
 * The power of two choices: two distinct pods at random, and the better of the two by the
 * strategy's measure. The pair is ordered and random, so on a tie the first is already a
 * fair coin toss.
 */
abstract class TwoChoicesStrategy implements BalancingStrategy {

	private final RandomGenerator random;

	TwoChoicesStrategy(RandomGenerator random) {
		this.random = random;
	}

	@Override
	public final PodStats choose(List<PodStats> pods) {
		int size = pods.size();
		if (size == 1) {
			return pods.get(0);
		}
		int first = this.random.nextInt(size);
		int second = this.random.nextInt(size - 1);
		if (second >= first) {
			second++;
		}
		PodStats a = pods.get(first);
		PodStats b = pods.get(second);
		return prefersSecond(a, b) ? b : a;
	}

	/**
	 * Whether the second pod of the pair is strictly better than the first.
	 * @param first the first pod
	 * @param second the second pod
	 * @return {@code true} to choose {@code second}
	 */
	abstract boolean prefersSecond(PodStats first, PodStats second);

}
