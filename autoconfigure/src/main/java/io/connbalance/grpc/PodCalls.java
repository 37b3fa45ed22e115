package io.connbalance.grpc;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.connbalance.grpc.DrainDeadlineInterceptor.CancellableCall;
import io.connbalance.stats.PodStats;

/**
 * The calls one channel has in flight on one pod's subchannel: each stream is counted in
 * the pod's counters by its tracer, and those made through a
 * {@link DrainDeadlineInterceptor} can be cancelled. Thread-safe: tracers run on the
 * transport's threads.
 */
final class PodCalls {

	private static final Log logger = LogFactory.getLog(PodCalls.class);

	private final AtomicInteger inFlight = new AtomicInteger();

	/** The attempts in flight that can be cancelled. */
	private final Set<Attempt> attempts = ConcurrentHashMap.newKeySet();

	private final Runnable lastEnded;

	private final ClientStreamTracer.Factory tracers = new ClientStreamTracer.Factory() {

		@Override
		public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
			PodCalls.this.inFlight.incrementAndGet();
			CancellableCall call = info.getCallOptions().getOption(CancellableCall.KEY);
			// one entry per attempt: hedged attempts of one call may share a pod
			Attempt attempt = (call != null) ? new Attempt(call) : null;
			if (attempt != null) {
				PodCalls.this.attempts.add(attempt);
			}
			return new CallTracer(PodCalls.this.stats, info.getCallOptions().getDeadline(), () -> ended(attempt));
		}

	};

	/** The pod's counters, as of the last picker. */
	private volatile PodStats stats;

	/**
	 * Creates the accounting of one subchannel.
	 * @param lastEnded told, on a transport thread, when no call is left in flight
	 */
	PodCalls(Runnable lastEnded) {
		this.lastEnded = lastEnded;
	}

	ClientStreamTracer.Factory tracers() {
		return this.tracers;
	}

	void stats(PodStats stats) {
		this.stats = stats;
	}

	int inFlight() {
		return this.inFlight.get();
	}

	/**
	 * Cancels every call in flight that can be, and says so when some cannot.
	 * @param cause what the calls end with
	 */
	void cancel(DrainTimeoutException cause) {
		List<Attempt> cancellable = List.copyOf(this.attempts);
		cancellable.forEach((attempt) -> attempt.call.cancel(cause));
		int uncancellable = this.inFlight.get() - cancellable.size();
		if (uncancellable > 0) {
			logger.warn(cause.getMessage() + ": " + uncancellable + " call(s) on it cannot be cancelled, as the "
					+ "channel was built without DrainDeadlineInterceptor; they run until they end or their "
					+ "deadline passes");
		}
	}

	private void ended(Attempt attempt) {
		if (attempt != null) {
			this.attempts.remove(attempt);
		}
		if (this.inFlight.decrementAndGet() == 0) {
			this.lastEnded.run();
		}
	}

	/**
	 * One attempt (one stream) of a call that can be cancelled; equal only to itself, so
	 * that each attempt counts once.
	 */
	private static final class Attempt {

		private final CancellableCall call;

		Attempt(CancellableCall call) {
			this.call = call;
		}

	}

}
