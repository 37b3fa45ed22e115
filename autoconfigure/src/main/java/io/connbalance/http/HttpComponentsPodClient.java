package io.connbalance.http;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolStats;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;

import io.connbalance.pod.Pod;

/**
 * An Apache HttpClient 5 client with a connection pool of its own for one pod: it
 * connects to the pod whatever host a request names, so that the request, its
 * {@code Host} header and TLS name the service. Open connections are read from the pool's
 * statistics.
 */
public final class HttpComponentsPodClient implements PodClient {

	/** Shorter than the idle timeouts of common servers. */
	static final Duration VALIDATE_AFTER_INACTIVITY = Duration.ofMillis(500);

	private final PoolingHttpClientConnectionManager connectionManager;

	private final CloseableHttpClient httpClient;

	private final HttpComponentsClientHttpRequestFactory requestFactory;

	/**
	 * Creates the client; no connection opens before the first request.
	 * @param pod the pod it connects to
	 * @param options the client settings
	 */
	public HttpComponentsPodClient(Pod pod, ClientOptions options) {
		ConnectionConfig.Builder connection = ConnectionConfig.custom()
			// servers close idle keep-alive connections (gunicorn after 2 s, Node.js
			// 5 s): one idle for longer than this is checked before it is reused (a read
			// of up to 1 ms), so that a request does not go out on a connection already
			// closed
			.setValidateAfterInactivity(VALIDATE_AFTER_INACTIVITY.toMillis(), TimeUnit.MILLISECONDS);
		if (options.connectTimeout() != null) {
			connection.setConnectTimeout(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		if (options.readTimeout() != null) {
			connection.setSocketTimeout((int) options.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		PoolingHttpClientConnectionManagerBuilder pool = PoolingHttpClientConnectionManagerBuilder.create();
		if (options.sslBundle() != null) {
			pool.setTlsSocketStrategy(tlsStrategy(options.sslBundle()));
		}
		this.connectionManager = pool
			// every host is this pod: requests, their Host header and TLS (SNI, hostname
			// verification) name the service
			.setDnsResolver(new PodDnsResolver(pod))
			.setMaxConnTotal(options.maxConnectionsPerPod())
			.setMaxConnPerRoute(options.maxConnectionsPerPod())
			.setDefaultConnectionConfig(connection.build())
			.build();
		// a pod whose pool has no connection free for this long is busy: the request
		// goes to another pod rather than wait (HttpClient waits 3 minutes)
		RequestConfig.Builder request = RequestConfig.custom()
			.setConnectionRequestTimeout(options.poolAcquireTimeout().toMillis(), TimeUnit.MILLISECONDS);
		this.httpClient = HttpClients.custom()
			.setConnectionManager(this.connectionManager)
			.setDefaultRequestConfig(request.build())
			.disableCookieManagement()
			// it sends every host to its pod: a redirect elsewhere goes back to the
			// application as a response
			.disableRedirectHandling()
			// no retry on the same pod (HttpClient's default retries a 503 after 1 s):
			// connbalance retries on another pod
			.disableAutomaticRetries()
			.build();
		this.requestFactory = new HttpComponentsClientHttpRequestFactory(this.httpClient);
	}

	/**
	 * TLS with an SSL bundle's trust, key and options, verifying that the pod's
	 * certificate names the host of the request, as Spring Boot's own HttpClient 5 does.
	 */
	private static DefaultClientTlsStrategy tlsStrategy(SslBundle bundle) {
		SslOptions options = bundle.getOptions();
		return new DefaultClientTlsStrategy(bundle.createSslContext(), options.getEnabledProtocols(),
				options.getCiphers(), SSLBufferMode.STATIC, new DefaultHostnameVerifier());
	}

	@Override
	public ClientHttpRequestFactory requestFactory() {
		return this.requestFactory;
	}

	@Override
	public int openConnections() {
		PoolStats stats = this.connectionManager.getTotalStats();
		return stats.getLeased() + stats.getAvailable();
	}

	@Override
	public void close() {
		this.httpClient.close(CloseMode.GRACEFUL);
	}

	/**
	 * Resolves every host name to the pod's address.
	 */
	private static final class PodDnsResolver implements DnsResolver {

		private final InetAddress address;

		PodDnsResolver(Pod pod) {
			this.address = PodUris.address(pod);
		}

		@Override
		public InetAddress[] resolve(String host) {
			return new InetAddress[] { this.address };
		}

		@Override
		public String resolveCanonicalHostname(String host) {
			return host;
		}

	}

}
