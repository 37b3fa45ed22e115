package io.connbalance.balance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

import io.connbalance.stats.PodStats;

/**
 * The slow start of one service: a pod that joins while the service runs starts at 10% of
 * its full weight, rising in a straight line to 100% over the window. A pick of a ramping
 * pod is turned down with the probability it lacks, and the strategy picks again, so that
 * it works with every strategy.
 */
final class SlowStart {

	/** Picks of a ramping pod that may be turned down before one is accepted. */
	private static final int ATTEMPTS = 4;

	/** The share of its full weight a pod starts with. */
	private static final double MIN_WEIGHT = 0.1;

	private final Duration window;

	private final RandomGenerator random;

	/** When each ramping pod started, by its counters. */
	private final Map<PodStats, Long> starts = new ConcurrentHashMap<>();

	/** Ramping pods, counted under this object's lock. */
	private volatile int ramping;

	SlowStart(Duration window, RandomGenerator random) {
		this.window = window;
		this.random = random;
	}

	boolean enabled() {
		return !this.window.isZero();
	}

	/**
	 * Whether any pod ramps: while none does, picks need nothing from here.
	 * @return {@code true} while a pod ramps
	 */
	boolean anyRamping() {
		return this.ramping != 0;
	}

	/**
	 * Starts a pod's ramp.
	 * @param pod the pod that joined
	 * @param now the time it joined
	 */
	synchronized void start(PodStats pod, long now) {
		this.starts.put(pod, now);
		this.ramping = this.starts.size();
	}

	/**
	 * Accepts a pick, or turns it down and has the strategy pick again, by the weight of
	 * the pod picked.
	 * @param chosen the strategy's pick
	 * @param usable the pods it picked from
	 * @param strategy the strategy
	 * @param now the time now
	 * @return the pick accepted
	 */
	PodStats ramp(PodStats chosen, List<PodStats> usable, BalancingStrategy strategy, long now) {
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			if (!isRamping(chosen)) {
				return chosen;
			}
			double weight = weight(chosen, now);
			if (weight >= 1) {
				end(chosen);
				return chosen;
			}
			if (this.random.nextDouble() < weight) {
				return chosen;
			}
			chosen = strategy.choose(usable);
		}
		return chosen;
	}

	/**
	 * A pod's weight now: from 10% when it joined to 100% at the end of the window.
	 * @param pod the pod
	 * @param now a clock reading
	 * @return 0.1 to 1; 1 when it does not ramp
	 */
	double weight(PodStats pod, long now) {
		Long start = this.starts.get(pod);
		if (start == null) {
			return 1;
		}
		double elapsed = (double) (now - start) / this.window.toNanos();
		return Math.min(1, Math.max(MIN_WEIGHT, elapsed));
	}

	boolean isRamping(PodStats pod) {
		return this.starts.containsKey(pod);
	}

	/**
	 * Ends a pod's ramp: it is done, or it has left.
	 * @param pod the pod
	 */
	synchronized void end(PodStats pod) {
		if (this.starts.remove(pod) != null) {
			this.ramping = this.starts.size();
		}
	}

}
