package io.connbalance.rsocket;

import java.util.function.Supplier;

import io.rsocket.DuplexConnection;
import io.rsocket.transport.ClientTransport;
import reactor.core.publisher.Mono;

import io.connbalance.stats.PodStats;

/**
 * The TCP transport of one pod, whose connections count their streams on the pod.
 */
final class CountingTransport implements ClientTransport {

	private final ClientTransport delegate;

	private final Supplier<PodStats> pod;

	CountingTransport(ClientTransport delegate, Supplier<PodStats> pod) {
		this.delegate = delegate;
		this.pod = pod;
	}

	@Override
	public Mono<DuplexConnection> connect() {
		return this.delegate.connect().map((connection) -> new CountingConnection(connection, this.pod));
	}

	@Override
	public int maxFrameLength() {
		return this.delegate.maxFrameLength();
	}

}
