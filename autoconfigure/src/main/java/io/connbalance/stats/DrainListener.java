package io.connbalance.stats;

/**
 * Told when a pod that has left its service has no more work in flight.
 */
@FunctionalInterface
public interface DrainListener {

	/**
	 * Called once per retired pod, on the thread that finished its last request.
	 * @param stats the drained pod's counters
	 */
	void drained(PodStats stats);

}
