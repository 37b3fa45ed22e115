package io.connbalance.http;

import org.springframework.http.client.ClientHttpRequestFactory;

/**
 * A keep-alive HTTP client bound to one pod, owning that pod's connection pool.
 */
public interface PodClient {

	/**
	 * The request factory that sends requests over this pod's pool, to this pod, for
	 * RestClient.
	 * @return the request factory
	 */
	ClientHttpRequestFactory requestFactory();

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
