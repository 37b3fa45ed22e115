package io.connbalance.balance;

import java.util.random.RandomGenerator;

import io.connbalance.stats.PodStats;

/**
 * Power of two choices over requests in flight. Cheaper than a full scan, and it avoids
 * the herd that "always the least loaded" causes when many clients see the same counts.
 */
final class LeastRequestStrategy extends TwoChoicesStrategy {

	LeastRequestStrategy(RandomGenerator random) {
		super(random);
	}

	@Override
	boolean prefersSecond(PodStats first, PodStats second) {
		return second.inFlight() < first.inFlight();
	}

	@Override
	public String name() {
		return LEAST_REQUEST;
	}

}
