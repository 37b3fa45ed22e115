package io.connbalance.stats;

/**
 * Records each finished request of one pod in a metrics library. Called on the request
 * path, so an implementation must be cheap and, once each of its meters exists, take no
 * lock.
 */
@FunctionalInterface
public interface PodMeters {

	/** Records nothing: the pod's meters before they are bound, or without a registry. */
	PodMeters NONE = (client, failure, nanos) -> {
	};

	/**
	 * Records a request that has finished.
	 * @param client the kind of client that sent it
	 * @param failure whether it is a failure (see
	 * {@link Client#isFailure(boolean, boolean)})
	 * @param nanos from when it was sent until its response ended or it failed
	 */
	void record(Client client, boolean failure, long nanos);

}
