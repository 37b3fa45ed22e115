package io.connbalance.http;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.handler.ssl.SslContextBuilder;

import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.Http2AllocationStrategy;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.http.client.ReactorHttpClientBuilder;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ReactorClientHttpRequestFactory;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;

import io.connbalance.pod.Pod;

/**
 * A Reactor Netty client with a connection pool of its own for one pod, built with Spring
 * Boot's {@link ReactorHttpClientBuilder} (timeouts, SSL bundle): it connects to the pod
 * whatever host a request names, so that the request, its {@code Host} header and TLS
 * (SNI, hostname verification) name the service. It serves WebClient, and RestClient for
 * HTTP/2 or without Apache HttpClient 5. Open connections are read from the pool's
 * metrics.
 */
public final class ReactorPodClient implements PodClient {

	private final ConnectionProvider provider;

	private final ClientHttpConnector connector;

	private final ClientHttpRequestFactory requestFactory;

	/** The pools of the provider, one per remote address (http and https, say). */
	private final Map<String, ConnectionPoolMetrics> metrics = new ConcurrentHashMap<>();

	/**
	 * Creates the client; no connection opens before the first request.
	 * @param name the pool name
	 * @param pod the pod it connects to
	 * @param options the client settings
	 */
	public ReactorPodClient(String name, Pod pod, ClientOptions options) {
		ConnectionProvider.Builder pool = ConnectionProvider.builder(name)
			.maxConnections(options.maxConnectionsPerPod())
			// a pod whose pool has no connection free for this long is busy: the request
			// goes to another pod rather than wait (Reactor Netty waits 45 s)
			.pendingAcquireTimeout(options.poolAcquireTimeout())
			.metrics(true, () -> new MetricsCapture());
		if (options.http2()) {
			// concurrent requests share the pod's connections as streams: without this,
			// requests made before the first connection is up would each open one
			pool.allocationStrategy(Http2AllocationStrategy.builder()
				.minConnections(1)
				.maxConnections(options.maxConnectionsPerPod())
				.build());
		}
		this.provider = pool.build();
		PodAddressResolverGroup resolver = new PodAddressResolverGroup(pod);
		HttpClient client = new ReactorHttpClientBuilder().withHttpClientFactory(() -> HttpClient.create(this.provider))
			.withHttpClientCustomizer((built) -> {
				HttpClient resolving = built.resolver(resolver);
				if (!options.http2()) {
					return resolving;
				}
				// h2 by ALPN over https, h2c with prior knowledge over http
				HttpClient http2 = resolving.protocol(HttpProtocol.H2, HttpProtocol.H2C);
				return (options.sslBundle() != null) ? http2.secure((spec) -> spec.sslContext(
						Http2SslContextSpec.forClient().configure((ssl) -> configure(ssl, options.sslBundle()))))
						: http2;
			})
			.build(options.settings());
		this.connector = new ReactorClientHttpConnector(client);
		this.requestFactory = new ReactorClientHttpRequestFactory(client);
	}

	/**
	 * TLS with an SSL bundle's trust, key and options; Spring Boot's builder applies the
	 * bundle without the ALPN that HTTP/2 needs.
	 */
	private static void configure(SslContextBuilder ssl, SslBundle bundle) {
		SslManagerBundle managers = bundle.getManagers();
		ssl.keyManager(managers.getKeyManagerFactory()).trustManager(managers.getTrustManagerFactory());
		SslOptions sslOptions = bundle.getOptions();
		if (sslOptions.getEnabledProtocols() != null) {
			ssl.protocols(sslOptions.getEnabledProtocols());
		}
		if (sslOptions.getCiphers() != null) {
			ssl.ciphers(List.of(sslOptions.getCiphers()));
		}
	}

	/**
	 * The connector that sends requests over this pod's pool, to this pod.
	 * @return the connector
	 */
	public ClientHttpConnector connector() {
		return this.connector;
	}

	@Override
	public ClientHttpRequestFactory requestFactory() {
		return this.requestFactory;
	}

	@Override
	public int openConnections() {
		int open = 0;
		for (ConnectionPoolMetrics pool : this.metrics.values()) {
			open += pool.allocatedSize();
		}
		return open;
	}

	@Override
	public void close() {
		this.provider.dispose();
	}

	private final class MetricsCapture implements ConnectionProvider.MeterRegistrar {

		@Override
		public void registerMetrics(String poolName, String id, SocketAddress remoteAddress,
				ConnectionPoolMetrics metrics) {
			ReactorPodClient.this.metrics.put(id, metrics);
		}

		@Override
		public void deRegisterMetrics(String poolName, String id, SocketAddress remoteAddress) {
			ReactorPodClient.this.metrics.remove(id);
		}

	}

}
