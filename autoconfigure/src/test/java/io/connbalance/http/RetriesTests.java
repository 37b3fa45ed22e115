package io.connbalance.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

import javax.net.ssl.SSLHandshakeException;

import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpMethod;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which failed requests go to another pod, whatever wrappers the libraries put around
 * their failures.
 */
class RetriesTests {

	@Test
	void requestsThatNeverReachedThePodAreRetriedWhateverTheirMethod() {
		assertThat(Retries.mayRetry(new ConnectException("refused"), HttpMethod.POST)).isTrue();
		assertThat(Retries.mayRetry(new IOException("wrapped", new ConnectException("refused")), HttpMethod.POST))
			.isTrue();
		assertThat(Retries.mayRetry(new HttpConnectTimeoutException("connect timed out"), HttpMethod.POST)).isTrue();
		// a certificate that does not name the service: the handshake comes before the
		// request
		assertThat(Retries.mayRetry(new IOException("wrapped", new SSLHandshakeException("no SAN")), HttpMethod.POST))
			.isTrue();
	}

	@Test
	void aPodThatRejectsThisClientsTlsIsNeitherRetriedNorBlamed() {
		// every pod would: a missing or untrusted client certificate
		SSLHandshakeException rejected = new SSLHandshakeException("Received fatal alert: bad_certificate");
		assertThat(Retries.mayRetry(new IOException("wrapped", rejected), HttpMethod.GET)).isFalse();
		assertThat(Retries.isPodFailure(new IOException("wrapped", rejected))).isFalse();
		// a pod whose certificate this client rejects is the pod's fault
		SSLHandshakeException untrusted = new SSLHandshakeException("PKIX path building failed");
		assertThat(Retries.isPodFailure(untrusted)).isTrue();
	}

	@Test
	void timeoutsAreNotRetriedEvenWrappedInAnIoException() {
		// Spring's Reactor request wraps Netty's response timeout in an IOException
		assertThat(Retries.mayRetry(new IOException("wrapped", ReadTimeoutException.INSTANCE), HttpMethod.GET))
			.isFalse();
		assertThat(Retries.mayRetry(new SocketTimeoutException("read timed out"), HttpMethod.GET)).isFalse();
		assertThat(Retries.mayRetry(new HttpTimeoutException("request timed out"), HttpMethod.GET)).isFalse();
	}

	@Test
	void aBrokenConnectionIsRetriedForIdempotentMethodsOnly() {
		IOException reset = new IOException("Connection reset by peer");
		assertThat(Retries.mayRetry(reset, HttpMethod.GET)).isTrue();
		assertThat(Retries.mayRetry(reset, HttpMethod.PUT)).isTrue();
		assertThat(Retries.mayRetry(reset, HttpMethod.POST)).isFalse();
		assertThat(Retries.mayRetry(new IllegalStateException("a client error"), HttpMethod.GET)).isFalse();
	}

}
