package io.connbalance.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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

	/** {@link #tick()} calls per window of {@link #recent()}. */
	public static final int TICKS_PER_WINDOW = RecentRequests.SLOTS;

	private final LongAdder total = new LongAdder();

	private final LongAdder failed = new LongAdder();

	private final PodLifecycle lifecycle = new PodLifecycle();

	private final DrainListener drainListener;

	private volatile String lastFailure;

	private final FailureListener failureListener;

	private final AtomicInteger consecutiveFailures = new AtomicInteger();

	private volatile Pod pod;

	private final LongSupplier clock;

	private final ResponseTimes latency;

	private final RecentRequests recent = new RecentRequests(this.total::sum);

	private final AtomicLong ejections = new AtomicLong();

	/** Long-lived sessions that keep the pod from draining (see {@link #hold()}). */
	private final AtomicInteger holds = new AtomicInteger();

	private volatile PodMeters meters = PodMeters.NONE;

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
		this.latency = new ResponseTimes(clock.getAsLong());
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
	 * reading) until its response began. Each request is told once, through this or
	 * {@link #noResponse(long, boolean)}.
	 * @param sent when the request was sent
	 */
	public void responded(long sent) {
		this.latency.responded(sent, this.clock.getAsLong());
	}

	/**
	 * Takes a request that ended without a response (failed, timed out or cancelled).
	 * @param sent when it was sent, a {@link #now()} reading
	 * @param podFailure whether the pod failed it: then it counts as a response time (see
	 * {@link ResponseTimes})
	 */
	public void noResponse(long sent, boolean podFailure) {
		this.latency.noResponse(sent, podFailure, this.clock.getAsLong());
	}

	/**
	 * The response time estimate now, for peak-EWMA.
	 * @return nanoseconds
	 */
	public long latencyEstimate() {
		return latencyEstimate(this.clock.getAsLong());
	}

	/**
	 * The response time estimate at a given time, for peak-EWMA.
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
	 * {@link #end(Client, long, boolean, boolean)} (or another of the {@code end}
	 * methods) exactly once after.
	 * @return {@code true} if counted, {@code false} if the pod has drained
	 */
	public boolean begin() {
		this.latency.sending(this.clock.getAsLong());
		if (this.lifecycle.begin() < 0) {
			return false;
		}
		this.latency.sent();
		this.total.increment();
		return true;
	}

	/**
	 * Counts a request that has finished, telling a failure of the request from a failure
	 * of the pod, and records it in the pod's meters.
	 * @param client the kind of client that sent it
	 * @param sent when it was sent, a {@link #now()} reading
	 * @param failure whether it failed
	 * @param podFailure whether the pod failed it (connection error, server error), which
	 * counts toward the pod's consecutive failures; other requests reset that count
	 */
	public void end(Client client, long sent, boolean failure, boolean podFailure) {
		if (podFailure) {
			this.failureListener.failed(this, this.consecutiveFailures.incrementAndGet());
		}
		else if (this.consecutiveFailures.get() != 0) {
			this.consecutiveFailures.set(0);
		}
		ended(client, sent, failure, podFailure);
	}

	/**
	 * Ends a request that got no response: a failure of the pod, or (a full pool, a
	 * cancellation, an error of the client) one that says nothing of it.
	 * @param client the kind of client that sent it
	 * @param sent when it was sent, a {@link #now()} reading
	 * @param failure whether it failed (not cancelled)
	 * @param podFailure whether the pod failed it
	 */
	public void endWithoutResponse(Client client, long sent, boolean failure, boolean podFailure) {
		endWithoutResponse(client, sent, failure, podFailure, null);
	}

	/**
	 * Counts a request that has finished without a response, and remembers why when its
	 * pod failed it.
	 * @param client the kind of client that sent it
	 * @param sent when it was sent, from {@link #now()}
	 * @param failure whether it failed
	 * @param podFailure whether its pod failed it
	 * @param cause what it failed with, or {@code null}
	 */
	public void endWithoutResponse(Client client, long sent, boolean failure, boolean podFailure, Throwable cause) {
		if (podFailure && cause != null) {
			failedBecause(describe(cause));
		}
		noResponse(sent, podFailure);
		if (podFailure) {
			end(client, sent, true, true);
		}
		else {
			endUnjudged(client, sent, failure);
		}
	}

	/**
	 * Counts a request that has finished without telling whether its pod is healthy: its
	 * count of consecutive failures stays as it is.
	 * @param client the kind of client that sent it
	 * @param sent when it was sent, a {@link #now()} reading
	 * @param failure whether it failed
	 */
	private void endUnjudged(Client client, long sent, boolean failure) {
		ended(client, sent, failure, false);
	}

	/**
	 * Ends a request its caller cancelled (a Reactor {@code timeout()}, a cancelled gRPC
	 * call): nothing is known of the pod, its count of consecutive failures stays as it
	 * is, and the meters do not record it, as it has no outcome.
	 * @param sent when it was sent, a {@link #now()} reading
	 * @param responded whether its response had begun (its response time is taken)
	 * @param failure whether it counts as failed in the endpoint
	 */
	public void endCancelled(long sent, boolean responded, boolean failure) {
		if (!responded) {
			noResponse(sent, false);
		}
		ended(null, sent, failure, false);
	}

	private void ended(Client client, long sent, boolean failure, boolean podFailure) {
		if (failure) {
			this.failed.increment();
		}
		if (client != null) {
			this.meters.record(client, client.isFailure(failure, podFailure), this.clock.getAsLong() - sent);
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
		return Math.max(0, this.lifecycle.inFlight() - this.holds.get());
	}

	/**
	 * Keeps a pod that leaves from draining while a long-lived session (a WebSocket) is
	 * open on it, without counting the session as a request in flight. When this returns
	 * {@code true}, call {@link #release()} exactly once after.
	 * @return {@code true} if held, {@code false} if the pod has drained
	 */
	public boolean hold() {
		if (this.lifecycle.begin() < 0) {
			return false;
		}
		this.holds.incrementAndGet();
		return true;
	}

	/** Ends a {@link #hold()}: a pod that left and has nothing else open drains. */
	public void release() {
		this.holds.decrementAndGet();
		if (this.lifecycle.end()) {
			this.drainListener.drained(this);
		}
	}

	/**
	 * Requests that failed.
	 * @return the count
	 */
	public long failed() {
		return this.failed.sum();
	}

	/**
	 * Requests started over the recent window: since the {@link #tick() tick} a window
	 * ago, or since the pod joined.
	 * @return the count
	 */
	public long recent() {
		return this.recent.count();
	}

	/**
	 * Takes a sample of the running total for {@link #recent()}: the window is ten ticks.
	 */
	public void tick() {
		this.recent.tick();
	}

	/**
	 * How many times the pod has been ejected.
	 * @return the count
	 */
	public long ejections() {
		return this.ejections.get();
	}

	/** Counts an ejection of the pod. */
	public void ejected() {
		this.ejections.incrementAndGet();
	}

	/**
	 * Binds the pod's meters: each request that finishes from now on is recorded in them.
	 * @param meters the meters
	 */
	public void bind(PodMeters meters) {
		this.meters = meters;
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
	 * Failed requests since the last one that succeeded (or the pod's ejection).
	 * @return the count
	 */
	public int consecutiveFailures() {
		return this.consecutiveFailures.get();
	}

	/** Starts the count of consecutive failures again (the pod is ejected for them). */
	public void resetConsecutiveFailures() {
		this.consecutiveFailures.set(0);
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
	 * Remembers why the pod last failed a request, for the endpoint.
	 * @param reason such as {@code HTTP 503}, or an exception's type and message
	 */
	public void failedBecause(String reason) {
		this.lastFailure = reason;
	}

	/**
	 * Why the pod last failed a request.
	 * @return the reason, or {@code null} when it never failed one
	 */
	public String lastFailure() {
		return this.lastFailure;
	}

	private static String describe(Throwable failure) {
		Throwable root = failure;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String reason = root.getClass().getSimpleName() + ((root.getMessage() != null) ? ": " + root.getMessage() : "");
		return (reason.length() > 300) ? reason.substring(0, 300) + "..." : reason;
	}

}
