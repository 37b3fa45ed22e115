package io.connbalance.balance;

import java.util.List;
import java.util.random.RandomGenerator;

import io.connbalance.stats.PodStats;

/**
 * Power of two choices over requests in flight. Cheaper than a full scan, and it avoids
 * the herd that "always the least loaded" causes when many clients see the same counts.
 */
final class LeastRequestStrategy implements BalancingStrategy {

	private final RandomGenerator random;

	LeastRequestStrategy(RandomGenerator random) {
		this.random = random;
	}

	@Override
	public PodStats choose(List<PodStats> pods) {
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
		int difference = a.inFlight() - b.inFlight();
		if (difference != 0) {
			return (difference < 0) ? a : b;
		}
		// (first, second) is an ordered random pair, so "a" is already a fair coin toss.
		return a;
	}

	@Override
	public String name() {
		return LEAST_REQUEST;
	}

}
