package io.connbalance.balance;

import java.util.List;
import java.util.random.RandomGenerator;

import io.connbalance.stats.PodStats;

/**
 * Power of two choices over cost = response time estimate (peak EWMA) x (requests in
 * flight + 1): a pod that answers slowly, or has much in flight, loses to one that does
 * not. Its estimate fades while it is not chosen, so a pod that was slow is tried again.
 */
final class PeakEwmaStrategy implements BalancingStrategy {

	private final RandomGenerator random;

	PeakEwmaStrategy(RandomGenerator random) {
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
		long now = a.now();
		// (first, second) is an ordered random pair, so on a tie "a" is a fair coin toss
		return (cost(b, now) < cost(a, now)) ? b : a;
	}

	private static double cost(PodStats pod, long now) {
		return (double) pod.latencyEstimate(now) * (Math.max(0, pod.inFlight()) + 1);
	}

	@Override
	public String name() {
		return PEAK_EWMA;
	}

}
