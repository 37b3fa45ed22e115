package io.connbalance.testsupport;

import java.io.IOException;

/**
 * A real server standing in for one pod, on its own loopback address.
 */
public interface TestPod extends AutoCloseable {

	/** The pod name it answers with. */
	String name();

	/** Its loopback address, such as {@code 127.0.0.2}. */
	String host();

	int port();

	/** Requests (or calls) it has taken so far. */
	long served();

	/** Requests (or calls) being handled now. */
	int active();

	@Override
	void close();

	/**
	 * Starts a test pod.
	 *
	 * @param <P> the kind of pod
	 */
	@FunctionalInterface
	interface Starter<P extends TestPod> {

		/**
		 * Starts one pod.
		 * @param name its name
		 * @param host its loopback address
		 * @param port its port (0 for any)
		 * @return the running pod
		 * @throws IOException if it cannot bind
		 */
		P start(String name, String host, int port) throws IOException;

	}

}
