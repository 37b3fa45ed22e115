package io.connbalance.stats;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The response times of one pod, as peak-EWMA weighs them: a {@link PeakEwma} of the time
 * from sending a request to the start of its response, and the requests still waiting for
 * theirs. A request that has waited longer than the estimate counts for what it has
 * waited, so that a hung pod grows more costly instead of fading toward zero; a failure
 * counts at least twice the estimate (up to {@link #FAILURE_PENALTY_NANOS}), so that a
 * pod that fails fast does not look fast. Times are {@link System#nanoTime()} readings.
 */
final class ResponseTimes {

	/** The most a failure without a response counts above its own time. */
	static final long FAILURE_PENALTY_NANOS = 1_000_000_000L;

	private final PeakEwma ewma;

	/** Requests sent and still waiting for their response to begin. */
	private final AtomicInteger awaiting = new AtomicInteger();

	/**
	 * When the pod last showed progress: its last response, or a request sent while none
	 * was waiting. Requests still waiting are at least this old.
	 */
	private volatile long lastProgress;

	ResponseTimes(long now) {
		this.ewma = new PeakEwma(now);
		this.lastProgress = now;
	}

	/**
	 * Before a request is counted: a pick never sees a waiting request with an old time.
	 */
	void sending(long now) {
		if (this.awaiting.get() <= 0) {
			this.lastProgress = now;
		}
	}

	void sent() {
		this.awaiting.incrementAndGet();
	}

	void responded(long sent, long now) {
		this.lastProgress = now;
		answered();
		this.ewma.observe(now - sent, now);
	}

	void noResponse(long sent, boolean podFailure, long now) {
		answered();
		if (podFailure) {
			long penalty = Math.min(FAILURE_PENALTY_NANOS, this.ewma.estimate(now) * 2);
			this.ewma.observe(Math.max(now - sent, penalty), now);
		}
	}

	/** One request waits no more; never below zero, whatever a client reports. */
	private void answered() {
		this.awaiting.updateAndGet((count) -> Math.max(0, count - 1));
	}

	long estimate(long now) {
		long estimate = this.ewma.estimate(now);
		// a stream whose response has begun does not count, however long it runs
		return (this.awaiting.get() <= 0) ? estimate : Math.max(estimate, now - this.lastProgress);
	}

}
