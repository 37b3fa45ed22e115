package io.connbalance.balance;

import java.time.Duration;

/**
 * When a pod that keeps failing is taken out of rotation, for how long, and how many pods
 * may be out at once.
 * <p>
 * A pod is ejected after {@code consecutiveFailures} failures in a row (connection
 * errors, timeouts, HTTP 5xx, gRPC UNAVAILABLE, INTERNAL, DATA_LOSS, or DEADLINE_EXCEEDED
 * before it answered). Its first ejection lasts {@code baseEjectionTime}; each ejection
 * that follows soon after doubles it, up to {@code maxEjectionTime}, and every quiet
 * {@code baseEjectionTime} halves it again. At most {@code maxEjectedPercent} of the
 * ready pods are ejected at once (always at least one). When fewer than
 * {@code panicThreshold} percent of the ready pods are healthy, the service is in
 * <em>panic</em>: ejection is set aside and every ready pod takes requests, since the
 * healthy few could not carry the load alone.
 *
 * @param consecutiveFailures failures in a row that eject a pod; 0 turns ejection off
 * @param baseEjectionTime how long a first ejection lasts
 * @param maxEjectionTime the longest ejection
 * @param maxEjectedPercent the largest share of ready pods ejected at once, 0 to 100
 * @param panicThreshold below this percentage of healthy pods, ejection is set aside
 */
public record OutlierEjection(int consecutiveFailures, Duration baseEjectionTime, Duration maxEjectionTime,
		int maxEjectedPercent, int panicThreshold) {

	/** Five failures in a row eject a pod for 30 s, doubling up to 5 min. */
	public static final OutlierEjection DEFAULTS = new OutlierEjection(5, Duration.ofSeconds(30), Duration.ofMinutes(5),
			10, 50);

	/** No ejection. */
	public static final OutlierEjection OFF = new OutlierEjection(0, Duration.ofSeconds(30), Duration.ofMinutes(5), 10,
			50);

	/**
	 * Whether pods are ever ejected.
	 * @return {@code false} when {@code consecutiveFailures} is 0
	 */
	public boolean enabled() {
		return this.consecutiveFailures > 0;
	}

	/**
	 * How long an ejection at a given level lasts: the base time doubled {@code level}
	 * times, at most the maximum.
	 * @param level 0 for a first ejection
	 * @return nanoseconds
	 */
	long ejectionNanos(int level) {
		long base = this.baseEjectionTime.toNanos();
		long max = Math.max(base, this.maxEjectionTime.toNanos());
		long time = base;
		for (int i = 0; i < level && time < max; i++) {
			time *= 2;
		}
		return Math.min(time, max);
	}

	/**
	 * How many of the given number of ready pods may be ejected at once.
	 * @param ready the ready pods
	 * @return at least 1
	 */
	int maxEjected(int ready) {
		return Math.max(1, ready * this.maxEjectedPercent / 100);
	}

}
