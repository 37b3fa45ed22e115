package io.connbalance.stats;

/**
 * Told when a pod has failed a request.
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
