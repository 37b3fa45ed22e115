package io.connbalance.balance;

import java.util.random.RandomGenerator;

import io.connbalance.stats.PodStats;

/**
 * Power of two choices over cost = response time estimate (peak EWMA) x (requests in
 * flight + 1): a pod that answers slowly, or has much in flight, loses to one that does
 * not. Its estimate fades while it is not chosen, so a pod that was slow is tried again.
 */
final class PeakEwmaStrategy extends TwoChoicesStrategy {

	PeakEwmaStrategy(RandomGenerator random) {
		super(random);
	}

	@Override
	boolean prefersSecond(PodStats first, PodStats second) {
		long now = first.now();
		return cost(second, now) < cost(first, now);
	}

	private static double cost(PodStats pod, long now) {
		return (double) pod.latencyEstimate(now) * (Math.max(0, pod.inFlight()) + 1);
	}

	@Override
	public String name() {
		return PEAK_EWMA;
	}

}
