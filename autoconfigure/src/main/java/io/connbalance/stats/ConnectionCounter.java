package io.connbalance.stats;

import io.connbalance.pod.Pod;

/**
 * Reads how many connections a client library holds open to a pod right now, from the
 * library's own pool.
 */
public interface ConnectionCounter {

	/**
	 * The kind of client, as in the endpoint's {@code connections} object: {@code http},
	 * {@code grpc} or {@code jdbc}.
	 * @return the kind
	 */
	String kind();

	/**
	 * Open connections to a pod of a service.
	 * @param service the service key
	 * @param pod the pod
	 * @return the number of open connections, 0 when there are none
	 */
	int openConnections(String service, Pod pod);

	/**
	 * Whether this client kind cannot connect to a pod and skips it for now.
	 * @param service the service key
	 * @param pod the pod
	 * @return {@code true} while the pod is skipped
	 */
	default boolean isUnreachable(String service, Pod pod) {
		return false;
	}

}
