package io.connbalance.grpc;

import java.time.Duration;

/**
 * Why a call was cancelled: it still ran on a pod that had left its service a drain
 * timeout before. The call ends with {@code CANCELLED} and this as its cause.
 */
public final class DrainTimeoutException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	DrainTimeoutException(String service, String pod, Duration timeout) {
		super("connbalance: pod " + pod + " left service '" + service + "' and its call was still running after "
				+ "connbalance.grpc.drain-timeout (" + timeout.toMillis() + " ms)");
	}

}
