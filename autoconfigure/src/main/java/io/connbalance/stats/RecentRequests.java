package io.connbalance.stats;

import java.util.function.LongSupplier;

/**
 * A pod's request count over a recent window, from samples of its running total taken at
 * each tick: the window is {@link #SLOTS} ticks long, so a count covers between the
 * window and the window plus one tick. The request path never touches it.
 */
final class RecentRequests {

	/** Ticks per window. */
	static final int SLOTS = 10;

	private final LongSupplier total;

	/** The total at each of the last {@code SLOTS + 1} ticks, 0 before a pod's first. */
	private final long[] samples = new long[SLOTS + 1];

	/** Where the next sample goes: the oldest one. */
	private int next;

	RecentRequests(LongSupplier total) {
		this.total = total;
	}

	synchronized void tick() {
		this.samples[this.next] = this.total.getAsLong();
		this.next = (this.next + 1) % this.samples.length;
	}

	synchronized long count() {
		return this.total.getAsLong() - this.samples[this.next];
	}

}
