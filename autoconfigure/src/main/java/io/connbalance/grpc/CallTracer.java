package io.connbalance.grpc;

import io.grpc.ClientStreamTracer;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;

import io.connbalance.stats.Client;
import io.connbalance.stats.PodStats;

/**
 * Counts one call (one stream) on a pod: its start, the time to its response headers (for
 * peak-EWMA), and its end, telling a failure of the pod from a failure of the call.
 */
final class CallTracer extends ClientStreamTracer {

	private final PodStats stats;

	private final Deadline deadline;

	private final Runnable closed;

	private final boolean counted;

	private final long sent;

	private volatile boolean responded;

	/** Whether the pod answered with trailers alone (an error status, no response). */
	private volatile boolean trailersOnly;

	/**
	 * Counts a call that starts.
	 * @param stats the pod's counters, or {@code null} when it has none (it has left)
	 * @param deadline the call's deadline, or {@code null}
	 * @param closed told once the stream has closed
	 */
	CallTracer(PodStats stats, Deadline deadline, Runnable closed) {
		this.stats = stats;
		this.deadline = deadline;
		this.closed = closed;
		this.counted = stats != null && stats.begin();
		this.sent = this.counted ? stats.now() : 0;
	}

	@Override
	public void inboundHeaders() {
		// the response began: its time feeds the peak-EWMA estimate
		this.responded = true;
		if (this.counted) {
			this.stats.responded(this.sent);
		}
	}

	@Override
	public void inboundTrailers(Metadata trailers) {
		this.trailersOnly = !this.responded;
	}

	@Override
	public void streamClosed(Status status) {
		if (this.counted) {
			Status seen = asSeenByCaller(status, this.deadline);
			boolean podFailure = isPodFailure(seen, this.responded);
			if (seen.getCode() == Status.Code.CANCELLED) {
				// by the caller: nothing is known of the pod
				this.stats.endCancelled(this.sent, this.responded, true);
			}
			else if (this.trailersOnly && !podFailure) {
				// a status of the call, as NOT_FOUND: the pod answered, at once
				this.stats.responded(this.sent);
				this.stats.end(Client.GRPC, this.sent, !status.isOk(), false);
			}
			else if (!this.responded) {
				if (podFailure) {
					this.stats.failedBecause("gRPC " + seen.getCode()
							+ ((seen.getDescription() != null) ? ": " + seen.getDescription() : ""));
				}
				this.stats.endWithoutResponse(Client.GRPC, this.sent, !status.isOk(), podFailure);
			}
			else {
				if (podFailure) {
					this.stats.failedBecause("gRPC " + seen.getCode());
				}
				this.stats.end(Client.GRPC, this.sent, !status.isOk(), podFailure);
			}
		}
		this.closed.run();
	}

	/**
	 * The status a call ended with as its caller sees it: a stream cancelled once its
	 * deadline has passed (the server gave up on it first, with {@code RST_STREAM}) ended
	 * by its deadline.
	 */
	static Status asSeenByCaller(Status status, Deadline deadline) {
		return (status.getCode() == Status.Code.CANCELLED && deadline != null && deadline.isExpired())
				? Status.DEADLINE_EXCEEDED : status;
	}

	/**
	 * Whether a call's status says the pod failed, rather than the call (as NOT_FOUND or
	 * INVALID_ARGUMENT do, or UNKNOWN: an exception thrown by one handler of a healthy
	 * pod) or the caller (CANCELLED).
	 * @param status the call's status
	 * @param responded whether the pod sent response headers
	 * @return {@code true} for UNAVAILABLE, INTERNAL and DATA_LOSS, and for
	 * DEADLINE_EXCEEDED before the pod answered (a hung pod)
	 */
	static boolean isPodFailure(Status status, boolean responded) {
		return switch (status.getCode()) {
			case UNAVAILABLE, INTERNAL, DATA_LOSS -> true;
			case DEADLINE_EXCEEDED -> !responded;
			default -> false;
		};
	}

}
