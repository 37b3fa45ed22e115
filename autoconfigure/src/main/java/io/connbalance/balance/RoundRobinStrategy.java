package io.connbalance.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.connbalance.stats.PodStats;

/**
 * Each pod in turn, from a random start.
 */
final class RoundRobinStrategy implements BalancingStrategy {

	private final AtomicInteger position;

	RoundRobinStrategy(int start) {
		this.position = new AtomicInteger(start);
	}

	@Override
	public PodStats choose(List<PodStats> pods) {
		int next = this.position.getAndIncrement() & Integer.MAX_VALUE;
		return pods.get(next % pods.size());
	}

	@Override
	public String name() {
		return ROUND_ROBIN;
	}

}
