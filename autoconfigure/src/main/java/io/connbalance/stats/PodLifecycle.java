package io.connbalance.stats;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * A pod's lifecycle state and its requests in flight, in one atomic word, so that a
 * request that ends, a pod that leaves and a pod that returns can never interleave into a
 * pod that is both in service and drained.
 * <p>
 * The low 32 bits hold the requests in flight, the high bits the state: in service,
 * retired (left its service, still finishing its requests), or drained (retired with
 * nothing in flight, for good: its connections may close).
 */
final class PodLifecycle {

	private static final long IN_SERVICE = 0;

	private static final long RETIRED = 1L << 32;

	private static final long DRAINED = 2L << 32;

	private static final long STATE = ~0xFFFF_FFFFL;

	private static final Log logger = LogFactory.getLog(PodLifecycle.class);

	private static final AtomicBoolean UNBALANCED = new AtomicBoolean();

	private final AtomicLong word = new AtomicLong();

	/**
	 * Counts a request that starts, unless the pod has drained.
	 * @return the requests in flight before this one, or -1 if the pod has drained
	 */
	int begin() {
		while (true) {
			long current = this.word.get();
			if ((current & STATE) == DRAINED) {
				return -1;
			}
			if (this.word.compareAndSet(current, current + 1)) {
				return count(current);
			}
		}
	}

	/**
	 * Counts a request that has ended.
	 * @return {@code true} if it was the last request of a retired pod, which has now
	 * drained
	 */
	boolean end() {
		while (true) {
			long current = this.word.get();
			if (count(current) == 0) {
				// a client that ends a request twice must not fail its caller for it
				if (UNBALANCED.compareAndSet(false, true)) {
					logger.warn("A request to a pod ended more often than it began; its count stays at 0");
				}
				return false;
			}
			long next = current - 1;
			if (next == RETIRED) {
				next = DRAINED;
			}
			if (this.word.compareAndSet(current, next)) {
				return next == DRAINED;
			}
		}
	}

	/**
	 * Takes the pod out of its service.
	 * @return {@code true} if it had nothing in flight and has now drained
	 */
	boolean retire() {
		while (true) {
			long current = this.word.get();
			if ((current & STATE) != IN_SERVICE) {
				return false;
			}
			long next = (count(current) == 0) ? DRAINED : (current | RETIRED);
			if (this.word.compareAndSet(current, next)) {
				return next == DRAINED;
			}
		}
	}

	/**
	 * Takes a retired pod back into its service.
	 * @return {@code false} if it has already drained, for good
	 */
	boolean reinstate() {
		while (true) {
			long current = this.word.get();
			if ((current & STATE) == DRAINED) {
				return false;
			}
			if ((current & STATE) == IN_SERVICE || this.word.compareAndSet(current, current & ~STATE)) {
				return true;
			}
		}
	}

	int inFlight() {
		return count(this.word.get());
	}

	boolean isRetired() {
		return (this.word.get() & STATE) != IN_SERVICE;
	}

	boolean isDrained() {
		return (this.word.get() & STATE) == DRAINED;
	}

	private static int count(long word) {
		return (int) (word & 0xFFFF_FFFFL);
	}

}
