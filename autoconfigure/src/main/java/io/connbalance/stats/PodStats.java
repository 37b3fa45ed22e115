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

	private final PodLifecycle lifecycle = new PodLifecycle();

	/**
	 * When the pod last showed progress: its last response, or the start of a request
	 * while nothing was in flight. Requests in flight are at least this old.
	 */
	private volatile long lastProgress;

	private final DrainListener drainListener;

	private final FailureListener failureListener;

	private final AtomicInteger consecutiveFailures = new AtomicInteger();

	/**
	 * While ejected, when the ejection ends ({@link #now()} time); guarded by the owner.
	 */
	private volatile long ejectedUntil;

	private volatile boolean ejected;

	private int ejections;

	private long returnedAt;

	private volatile boolean ramping;

	private volatile long rampStart;

	private volatile Pod pod;

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
		this(pod, drainListener, (stats, consecutive) -> {
		}, clock);
	}

	/**
	 * Creates counters for a pod, with a listener for failures and a clock.
	 * @param pod the pod
	 * @param drainListener told once when the pod is retired and has nothing in flight
	 * @param failureListener told of every failed request
	 * @param clock nanoseconds, as {@link System#nanoTime()}
	 */
	public PodStats(Pod pod, DrainListener drainListener, FailureListener failureListener, LongSupplier clock) {
		this.pod = pod;
		this.drainListener = drainListener;
		this.failureListener = failureListener;
		this.clock = clock;
		this.latency = new PeakEwma(clock.getAsLong());
		this.lastProgress = clock.getAsLong();
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
		this.lastProgress = now;
		this.latency.observe(now - sent, now);
	}

	/**
	 * Takes a request that got no response (it failed or timed out) as a response time:
	 * the time it took, and at least twice the pod's estimate, so that a pod that fails
	 * fast does not look fast.
	 * @param sent when the request was sent, a {@link #now()} reading
	 */
	public void noResponse(long sent) {
		long now = this.clock.getAsLong();
		long penalty = Math.min(Long.MAX_VALUE / 4, this.latency.estimate(now)) * 2;
		this.latency.observe(Math.max(now - sent, penalty), now);
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
		long estimate = this.latency.estimate(now);
		if (this.lifecycle.inFlight() == 0) {
			return estimate;
		}
		// requests in flight with no response for a while are at least that slow: a
		// hung pod grows more costly instead of fading toward zero
		return Math.max(estimate, now - this.lastProgress);
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
		int before = this.lifecycle.begin();
		if (before < 0) {
			return false;
		}
		if (before == 0) {
			this.lastProgress = this.clock.getAsLong();
		}
		this.total.increment();
		return true;
	}

	/**
	 * Counts a request that has finished.
	 * @param failure whether it failed (connection error, or a server error status); a
	 * failure counts toward the pod's consecutive failures
	 */
	public void end(boolean failure) {
		end(failure, failure);
	}

	/**
	 * Counts a request that has finished, telling a failure of the request from a failure
	 * of the pod.
	 * @param failure whether it failed
	 * @param podFailure whether the pod failed it (connection error, server error), which
	 * counts toward the pod's consecutive failures; other requests reset that count
	 */
	public void end(boolean failure, boolean podFailure) {
		if (failure) {
			this.failed.increment();
		}
		if (podFailure) {
			this.failureListener.failed(this, this.consecutiveFailures.incrementAndGet());
		}
		else if (this.consecutiveFailures.get() != 0) {
			this.consecutiveFailures.set(0);
		}
		if (this.lifecycle.end()) {
			this.drainListener.drained(this);
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
		return this.lifecycle.inFlight();
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
		return this.lifecycle.isRetired();
	}

	/**
	 * Whether the pod has left its service and finished all its work.
	 * @return {@code true} once drained
	 */
	public boolean isDrained() {
		return this.lifecycle.isDrained();
	}

	/**
	 * Failed requests since the last one that succeeded.
	 * @return the count
	 */
	public int consecutiveFailures() {
		return this.consecutiveFailures.get();
	}

	/**
	 * Takes the pod out of rotation until a given time, and starts its count of
	 * consecutive failures again. Called by the pod's balancer, under its lock.
	 * @param until when the ejection ends, a {@link #now()} reading
	 * @param ejections how many times the pod has been ejected lately, this one included
	 */
	public void eject(long until, int ejections) {
		this.ejections = ejections;
		this.ejectedUntil = until;
		this.ejected = true;
		this.consecutiveFailures.set(0);
	}

	/**
	 * Takes an ejected pod back into rotation. Called by the pod's balancer, under its
	 * lock.
	 * @param now the time it returns
	 */
	public void endEjection(long now) {
		this.ejected = false;
		this.returnedAt = now;
	}

	/**
	 * Whether the pod is out of rotation after failing.
	 * @return {@code true} while ejected
	 */
	public boolean isEjected() {
		return this.ejected;
	}

	/**
	 * When the current ejection ends.
	 * @return a {@link #now()} reading, meaningful while {@link #isEjected()}
	 */
	public long ejectedUntil() {
		return this.ejectedUntil;
	}

	/**
	 * How many times the pod has been ejected lately (its last ejection's level).
	 * @return the count
	 */
	public int ejections() {
		return this.ejections;
	}

	/**
	 * When the pod last returned from an ejection.
	 * @return a {@link #now()} reading, meaningful once it has been ejected
	 */
	public long returnedAt() {
		return this.returnedAt;
	}

	/**
	 * Starts or ends the pod's slow start: while it ramps, its balancer gives it a share
	 * of requests that grows with the time since {@code start}.
	 * @param ramping whether it ramps
	 * @param start when it started, a {@link #now()} reading
	 */
	public void ramp(boolean ramping, long start) {
		this.rampStart = start;
		this.ramping = ramping;
	}

	/**
	 * Whether the pod is in its slow start.
	 * @return {@code true} while it ramps up
	 */
	public boolean isRamping() {
		return this.ramping;
	}

	/**
	 * When the pod's slow start began.
	 * @return a {@link #now()} reading, meaningful while {@link #isRamping()}
	 */
	public long rampStart() {
		return this.rampStart;
	}

	/**
	 * Marks the pod as gone from its service; it drains as soon as nothing is in flight.
	 */
	public void retire() {
		if (this.lifecycle.retire()) {
			this.drainListener.drained(this);
		}
	}

	/**
	 * Takes a retired pod back into its service (it came back before it drained).
	 * @return {@code false} if it has already drained and needs new counters
	 */
	public boolean reinstate() {
		return this.lifecycle.reinstate();
	}

	@Override
	public String toString() {
		return this.pod.address() + "{total=" + total() + ", inFlight=" + inFlight() + ", failed=" + failed() + "}";
	}

	/**
	 * Told when a request to the pod has failed.
	 */
	@FunctionalInterface
	public interface FailureListener {

		/**
		 * Called on the thread that ended the failed request.
		 * @param stats the pod's counters
		 * @param consecutive failed requests since the last one that succeeded
		 */
		void failed(PodStats stats, int consecutive);

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
