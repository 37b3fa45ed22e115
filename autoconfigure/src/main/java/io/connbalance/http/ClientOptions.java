package io.connbalance.http;

import java.time.Duration;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpRedirects;
import org.springframework.boot.ssl.SslBundle;

/**
 * Settings of the per-pod HTTP clients.
 *
 * @param connectTimeout the connect timeout, or {@code null} for the library default
 * @param readTimeout the response timeout, or {@code null} for none
 * @param maxConnectionsPerPod the most connections held open to one pod
 * @param poolAcquireTimeout how long a request waits for a free connection of its pod's
 * pool before it goes to another pod
 * @param sslBundle what https requests trust and present, or {@code null} for the JVM's
 * defaults
 * @param http2 whether requests use HTTP/2 (by ALPN over https, with prior knowledge over
 * http)
 */
public record ClientOptions(Duration connectTimeout, Duration readTimeout, int maxConnectionsPerPod,
		Duration poolAcquireTimeout, SslBundle sslBundle, boolean http2) {

	public ClientOptions {
		if (maxConnectionsPerPod < 1) {
			throw new IllegalArgumentException("'maxConnectionsPerPod' must be positive");
		}
	}

	/**
	 * Options of HTTP/1.1 with the JVM's TLS defaults.
	 * @param connectTimeout the connect timeout, or {@code null} for the library default
	 * @param readTimeout the response timeout, or {@code null} for none
	 * @param maxConnectionsPerPod the most connections held open to one pod
	 * @param poolAcquireTimeout how long a request waits for a free connection of its
	 * pod's pool before it goes to another pod
	 */
	public ClientOptions(Duration connectTimeout, Duration readTimeout, int maxConnectionsPerPod,
			Duration poolAcquireTimeout) {
		this(connectTimeout, readTimeout, maxConnectionsPerPod, poolAcquireTimeout, null, false);
	}

	/**
	 * These settings for Spring Boot's client builders. A pod's client follows no
	 * redirect: it sends every host to its pod, so a redirect elsewhere would reach the
	 * wrong server; the response goes back to the application as it is.
	 * @return the settings
	 */
	public HttpClientSettings settings() {
		return HttpClientSettings.defaults()
			.withTimeouts(this.connectTimeout, this.readTimeout)
			.withSslBundle(this.sslBundle)
			.withRedirects(HttpRedirects.DONT_FOLLOW);
	}

}
