package io.connbalance.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Set;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

import org.springframework.http.HttpMethod;

/**
 * How a failed request is judged: whether it may be sent again to another pod, and
 * whether it counts against its pod.
 * <p>
 * A request that never reached its pod (it could not connect, or its pod's pool was full)
 * may go to another pod whatever its method; one whose connection broke after it was sent
 * may have been processed, so only idempotent methods are sent again. Timeouts are not
 * retried: the pod may still be working on the request. A full pool is a busy pod, not a
 * failing one: it does not count toward the pod's ejection.
 */
public final class Retries {

	private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
			HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

	/**
	 * The pool of the pod had no connection to give in time (Reactor Netty, HttpClient
	 * 5), matched by name so that neither library is needed on the class path.
	 */
	private static final Set<String> POOL_BUSY = Set.of(
			"reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException",
			"reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException",
			"org.apache.hc.core5.http.ConnectionRequestTimeoutException");

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
		if (isRejectedByPeer(failure)) {
			// the pod turned this client's TLS down (no or a wrong client certificate):
			// every pod would
			return false;
		}
		// the whole chain first: libraries wrap their failures in IOExceptions of their
		// own (Spring's Reactor request wraps a Netty timeout in one)
		boolean io = false;
		for (Throwable cause = failure; cause != null; cause = next(cause)) {
			if (isConnectFailure(cause) || isPoolBusy(cause)) {
				return true;
			}
			io |= cause instanceof IOException;
		}
		for (Throwable cause = failure; cause != null; cause = next(cause)) {
			if (isTimeout(cause)) {
				return false;
			}
		}
		return io && IDEMPOTENT.contains(method);
	}

	/**
	 * Whether a failure says that the pod failed: it could not be reached, or its
	 * connection broke or timed out. A full pool does not, and neither does an error of
	 * the client (a body it could not encode, an interceptor that threw).
	 * @param failure the failure
	 * @return {@code true} if it counts toward the pod's ejection
	 */
	public static boolean isPodFailure(Throwable failure) {
		if (isRejectedByPeer(failure)) {
			return false;
		}
		boolean network = false;
		for (Throwable cause = failure; cause != null; cause = next(cause)) {
			if (isPoolBusy(cause)) {
				return false;
			}
			// Reactor Netty's response timeout is Netty's ReadTimeoutException, no
			// IOException
			network |= cause instanceof IOException
					|| cause.getClass().getName().startsWith("io.netty.handler.timeout.");
		}
		return network;
	}

	private static Throwable next(Throwable cause) {
		return (cause.getCause() != cause) ? cause.getCause() : null;
	}

	private static boolean isPoolBusy(Throwable failure) {
		return POOL_BUSY.contains(failure.getClass().getName());
	}

	private static boolean isConnectFailure(Throwable failure) {
		// Netty's connect timeout is a ConnectException; HttpClient 5's is an
		// InterruptedIOException, matched by name so that WebClient-only applications
		// need no HttpClient on the class path. A TLS handshake fails before the request
		// is written: a pod whose certificate does not name the service has seen nothing.
		return failure instanceof ConnectException || failure instanceof NoRouteToHostException
				|| failure instanceof HttpConnectTimeoutException || failure instanceof SSLHandshakeException
				|| failure instanceof SSLPeerUnverifiedException
				|| failure.getClass().getName().equals("org.apache.hc.client5.http.ConnectTimeoutException");
	}

	/**
	 * Whether the server sent a fatal TLS alert: it rejected this client (a missing or
	 * untrusted client certificate, no common protocol), as every pod of the service
	 * would. A pod whose certificate this client rejects is the pod's fault.
	 */
	private static boolean isRejectedByPeer(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = next(cause)) {
			if (cause instanceof SSLException && cause.getMessage() != null
					&& cause.getMessage().contains("Received fatal alert")) {
				return true;
			}
		}
		return false;
	}

	private static boolean isTimeout(Throwable failure) {
		// the pod may still be working on the request: socket and response timeouts of
		// every library (Netty's response timeout is no IOException)
		return failure instanceof InterruptedIOException || failure instanceof HttpTimeoutException
				|| failure.getClass().getName().startsWith("io.netty.handler.timeout.");
	}

}
