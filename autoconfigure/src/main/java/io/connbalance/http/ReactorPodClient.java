package io.connbalance.http;

import java.net.SocketAddress;

import io.netty.channel.ChannelOption;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.ExchangeFunctions;
import org.springframework.web.reactive.function.client.ExchangeStrategies;

/**
 * A Reactor Netty client with a connection pool of its own for one pod; open connections
 * are read from the pool's metrics.
 */
public final class ReactorPodClient implements PodClient {

	private final ConnectionProvider provider;

	private final ExchangeFunction exchangeFunction;

	private volatile ConnectionPoolMetrics metrics;

	/**
	 * Creates the client; no connection opens before the first request.
	 * @param name the pool name
	 * @param options the client settings
	 * @param strategies the codecs responses are read with
	 */
	public ReactorPodClient(String name, ClientOptions options, ExchangeStrategies strategies) {
		this.provider = ConnectionProvider.builder(name)
			.maxConnections(options.maxConnectionsPerPod())
			// a pod whose pool has no connection free for this long is busy: the request
			// goes to another pod rather than wait (Reactor Netty waits 45 s)
			.pendingAcquireTimeout(options.poolAcquireTimeout())
			.metrics(true, () -> new MetricsCapture())
			.build();
		HttpClient client = HttpClient.create(this.provider);
		if (options.connectTimeout() != null) {
			client = client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
					(int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
		}
		if (options.readTimeout() != null) {
			client = client.responseTimeout(options.readTimeout());
		}
		this.exchangeFunction = ExchangeFunctions.create(new ReactorClientHttpConnector(client), strategies);
	}

	/**
	 * The exchange function that sends requests over this pod's pool.
	 * @return the exchange function
	 */
	public ExchangeFunction exchangeFunction() {
		return this.exchangeFunction;
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
