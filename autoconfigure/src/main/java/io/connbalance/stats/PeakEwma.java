package io.connbalance.stats;

/**
 * A pod's response time as the peak-EWMA strategy sees it: an exponentially weighted
 * moving average that jumps up at once to a slower response (the peak) and comes down
 * gradually with faster ones, and that also decays while the pod gets no responses, so a
 * pod once slow is tried again after a while (as in Finagle's and Linkerd's peak EWMA).
 * <p>
 * Unlike theirs, the average spans the last {@link #DECAY_NANOS} or the last
 * {@link #SAMPLES} responses, whichever is shorter. With time alone a busy pod's single
 * stalled response (a pause of the pod or of the client) outweighs the thousands of fast
 * ones after it for tens of seconds, and the truly slow pod wins picks all that while.
 * <p>
 * Times are in nanoseconds of {@link System#nanoTime()} (or a test clock). Reading the
 * estimate takes no lock.
 */
public final class PeakEwma {

	/** How fast old observations fade: weight 1/e after this long. */
	static final long DECAY_NANOS = 10_000_000_000L;

	/**
	 * At most how many responses the average spans, however fast they come: each response
	 * weighs at least 1/SAMPLES, so a busy pod forgets a single peak in this many
	 * responses instead of in several decay times.
	 */
	static final int SAMPLES = 100;

	/** The estimate of a pod without observations: neither favoured nor shunned. */
	static final long DEFAULT_NANOS = 5_000_000L;

	// written under the lock, read without it: a pick may see the estimate of one
	// response with the time of the next, which moves its cost by a hair
	private volatile long estimate;

	private volatile long updated;

	/**
	 * Creates an estimate that starts at the default.
	 * @param now the time now
	 */
	public PeakEwma(long now) {
		this.estimate = DEFAULT_NANOS;
		this.updated = now;
	}

	/**
	 * Takes one response time.
	 * @param nanos the time the response took
	 * @param now the time now
	 */
	public synchronized void observe(long nanos, long now) {
		long sample = Math.max(0, nanos);
		if (sample > this.estimate) {
			this.estimate = sample;
		}
		else {
			double decay = Math.min(decay(now), 1 - 1.0 / SAMPLES);
			this.estimate = (long) (this.estimate * decay + sample * (1 - decay));
		}
		this.updated = Math.max(this.updated, now);
	}

	/**
	 * The estimate now: the last one, faded toward zero by the time since.
	 * @param now the time now
	 * @return nanoseconds
	 */
	public long estimate(long now) {
		return (long) (this.estimate * decay(now));
	}

	private double decay(long now) {
		long elapsed = Math.max(0, now - this.updated);
		return Math.exp(-(double) elapsed / DECAY_NANOS);
	}

}
