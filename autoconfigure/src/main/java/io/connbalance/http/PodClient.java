package io.connbalance.http;

/**
 * A keep-alive HTTP client bound to one pod, owning that pod's connection pool.
 */
public interface PodClient {

	/**
	 * Connections open to the pod right now, as the pool reports them.
	 * @return the count
	 */
	int openConnections();

	/**
	 * Closes the pool and its connections. Called once the pod has left and finished its
	 * requests.
	 */
	void close();

}
