package io.connbalance.http;

import java.net.URI;

import org.springframework.http.client.ClientHttpRequestFactory;

import io.connbalance.pod.Pod;

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
	 * Where a request for the service goes with this client: by default the URL with the
	 * pod's port, whose host the client resolves to the pod.
	 * @param uri the request's URL, naming the service
	 * @param pod the pod
	 * @return the URL to send the request to
	 */
	default URI target(URI uri, Pod pod) {
		return PodUris.toPodPort(uri, pod);
	}

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
