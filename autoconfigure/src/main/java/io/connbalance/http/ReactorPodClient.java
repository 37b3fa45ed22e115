package io.connbalance.http;

import java.net.SocketAddress;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.http.client.reactive.ClientHttpConnector;

import io.connbalance.pod.Pod;

/**
 * A Reactor Netty client with a connection pool of its own for one pod, built with Spring
 * Boot's {@link ClientHttpConnectorBuilder}: it connects to the pod whatever host a
 * request names, so that the request, its {@code Host} header and TLS name the service.
 * Open connections are read from the pool's metrics.
 */
public final class ReactorPodClient implements PodClient {

	private final ConnectionProvider provider;

	private final ClientHttpConnector connector;

	private volatile ConnectionPoolMetrics metrics;

	/**
	 * Creates the client; no connection opens before the first request.
	 * @param name the pool name
	 * @param pod the pod it connects to
	 * @param options the client settings
	 */
	public ReactorPodClient(String name, Pod pod, ClientOptions options) {
		this.provider = ConnectionProvider.builder(name)
			.maxConnections(options.maxConnectionsPerPod())
			// a pod whose pool has no connection free for this long is busy: the request
			// goes to another pod rather than wait (Reactor Netty waits 45 s)
			.pendingAcquireTimeout(options.poolAcquireTimeout())
			.metrics(true, () -> new MetricsCapture())
			.build();
		PodAddressResolverGroup resolver = new PodAddressResolverGroup(pod);
		this.connector = ClientHttpConnectorBuilder.reactor()
			.withHttpClientFactory(() -> HttpClient.create(this.provider))
			.withHttpClientCustomizer((client) -> client.resolver(resolver))
			.build(options.settings());
	}

	/**
	 * The connector that sends requests over this pod's pool, to this pod.
	 * @return the connector
	 */
	public ClientHttpConnector connector() {
		return this.connector;
	}

	@Override
	public int openConnections() {
		ConnectionPoolMetrics current = this.metrics;
		return (current != null) ? current.allocatedSize() : 0;
	}

	@Override
	public void close() {
		this.provider.dispose();
	}

	private final class MetricsCapture implements ConnectionProvider.MeterRegistrar {

		@Override
		public void registerMetrics(String poolName, String id, SocketAddress remoteAddress,
				ConnectionPoolMetrics metrics) {
			ReactorPodClient.this.metrics = metrics;
		}

		@Override
		public void deRegisterMetrics(String poolName, String id, SocketAddress remoteAddress) {
			ReactorPodClient.this.metrics = null;
		}

	}

}
