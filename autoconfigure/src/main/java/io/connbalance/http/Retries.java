package io.connbalance.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.util.Set;

import org.springframework.http.HttpMethod;

/**
 * Which failed requests may be sent again to another pod: those whose connection failed
 * before a response. A request that could not connect never reached the pod, whatever its
 * method; one whose connection broke after it was sent may have been processed, so only
 * idempotent methods are sent again. Timeouts are not retried: the pod may still be
 * working on the request.
 */
final class Retries {

	private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
			HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

	private Retries() {
	}

	/**
	 * Whether a request that failed with an exception, and got no response, may be sent
	 * again to another pod.
	 * @param failure the failure, or a wrapper whose cause is the I/O failure
	 * @param method the request's method
	 * @return {@code true} if it may be retried
	 */
	static boolean mayRetry(Throwable failure, HttpMethod method) {
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (isConnectFailure(cause)) {
				return true;
			}
			if (cause instanceof InterruptedIOException) {
				return false;
			}
			if (cause instanceof IOException) {
				return IDEMPOTENT.contains(method);
			}
		}
		return false;
	}

	private static boolean isConnectFailure(Throwable failure) {
		// HttpClient 5's connect timeout is an InterruptedIOException; matched by name so
		// that WebClient-only applications need no HttpClient on the class path
		return failure instanceof ConnectException
				|| failure.getClass().getName().equals("org.apache.hc.client5.http.ConnectTimeoutException");
	}

}
