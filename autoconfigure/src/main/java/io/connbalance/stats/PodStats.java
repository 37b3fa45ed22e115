package io.connbalance.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import io.connbalance.pod.Pod;

/**
 * Request counters of one pod of one service, shared by every client kind.
 * <p>
 * A pod that leaves the service is <em>retired</em>: it takes no new work, and once its
 * in-flight requests have finished it is <em>drained</em> and its connections may close.
 */
public final class PodStats {

	private final LongAdder total = new LongAdder();

	private final LongAdder failed = new LongAdder();

	/** Requests in flight, or {@link #DRAINED} once the pod has retired and drained. */
	private final AtomicInteger inFlight = new AtomicInteger();

	private static final int DRAINED = Integer.MIN_VALUE;

	private final DrainListener drainListener;

	private volatile Pod pod;

	private volatile boolean retired;

	private volatile boolean unreachable;

	private final LongSupplier clock;

	private final PeakEwma latency;

	/**
	 * Creates counters for a pod.
	 * @param pod the pod
	 * @param drainListener told once when the pod is retired and has nothing in flight
	 */
	public PodStats(Pod pod, DrainListener drainListener) {
		this(pod, drainListener, System::nanoTime);
	}

	/**
	 * Creates counters for a pod, with a clock for response times.
	 * @param pod the pod
	 * @param drainListener told once when the pod is retired and has nothing in flight
	 * @param clock nanoseconds, as {@link System#nanoTime()}
	 */
	public PodStats(Pod pod, DrainListener drainListener, LongSupplier clock) {
		this.pod = pod;
		this.drainListener = drainListener;
		this.clock = clock;
		this.latency = new PeakEwma(clock.getAsLong());
	}

	/**
	 * The time now on this pod's clock, to measure a response time with.
	 * @return nanoseconds
	 */
	public long now() {
		return this.clock.getAsLong();
	}

	/**
	 * Takes the response time of a request: from when it was sent (a {@link #now()}
	 * reading) until its response began.
	 * @param sent when the request was sent
	 */
	public void responded(long sent) {
		long now = this.clock.getAsLong();
		this.latency.observe(now - sent, now);
	}

	/**
	 * The peak-EWMA response time estimate now.
	 * @return nanoseconds
	 */
	public long latencyEstimate() {
		return latencyEstimate(this.clock.getAsLong());
	}

	/**
	 * The peak-EWMA response time estimate at a given time.
	 * @param now a {@link #now()} reading
	 * @return nanoseconds
	 */
	public long latencyEstimate(long now) {
		return this.latency.estimate(now);
	}

	/**
	 * The pod as last discovered.
	 * @return the pod
	 */
	public Pod pod() {
		return this.pod;
	}

	/**
	 * Updates the pod record (same address, new name, zone or state).
	 * @param pod the pod
	 */
	public void update(Pod pod) {
		this.pod = pod;
	}

	/**
	 * Counts a request that starts now, unless the pod has already drained (its
	 * connections may be closed). When this returns {@code true}, call
	 * {@link #end(boolean)} exactly once after.
	 * @return {@code true} if counted, {@code false} if the pod has drained
	 */
	public boolean begin() {
		while (true) {
			int current = this.inFlight.get();
			if (current == DRAINED) {
				return false;
			}
			if (this.inFlight.compareAndSet(current, current + 1)) {
				this.total.increment();
				return true;
			}
		}
	}

	/**
	 * Counts a request that has finished.
	 * @param failure whether it failed (connection error, or a server error status)
	 */
	public void end(boolean failure) {
		if (failure) {
			this.failed.increment();
		}
		if (this.inFlight.decrementAndGet() == 0 && this.retired) {
			drainIfIdle();
		}
	}

	/**
	 * Requests started so far.
	 * @return the count
	 */
	public long total() {
		return this.total.sum();
	}

	/**
	 * Requests started and not yet finished.
	 * @return the count
	 */
	public int inFlight() {
		return Math.max(0, this.inFlight.get());
	}

	/**
	 * Requests that failed.
	 * @return the count
	 */
	public long failed() {
		return this.failed.sum();
	}

	/**
	 * Whether the pod has left its service.
	 * @return {@code true} once retired
	 */
	public boolean isRetired() {
		return this.retired;
	}

	/**
	 * Whether the pod has left its service and finished all its work.
	 * @return {@code true} once drained
	 */
	public boolean isDrained() {
		return this.inFlight.get() == DRAINED;
	}

	/**
	 * Marks whether a client could not connect to the pod and skips it for now.
	 * @param unreachable {@code true} while it is skipped
	 */
	public void markUnreachable(boolean unreachable) {
		this.unreachable = unreachable;
	}

	/**
	 * Whether a client could not connect to the pod and skips it for now.
	 * @return {@code true} while it is skipped
	 */
	public boolean isUnreachable() {
		return this.unreachable;
	}

	/**
	 * Marks the pod as gone from its service; it drains as soon as nothing is in flight.
	 */
	public void retire() {
		this.retired = true;
		drainIfIdle();
	}

	/**
	 * Takes a retired pod back into its service (it came back before it drained).
	 * @return {@code false} if it has already drained and needs new counters
	 */
	public boolean reinstate() {
		this.retired = false;
		return !isDrained();
	}

	private void drainIfIdle() {
		if (this.inFlight.compareAndSet(0, DRAINED)) {
			this.drainListener.drained(this);
		}
	}

	@Override
	public String toString() {
		return this.pod.address() + "{total=" + total() + ", inFlight=" + inFlight() + ", failed=" + failed() + "}";
	}

	/**
	 * Told when a retired pod has no more work in flight.
	 */
	@FunctionalInterface
	public interface DrainListener {

		/**
		 * Called once per retired pod, on the thread that finished its last request.
		 * @param stats the drained pod's counters
		 */
		void drained(PodStats stats);

	}

}
