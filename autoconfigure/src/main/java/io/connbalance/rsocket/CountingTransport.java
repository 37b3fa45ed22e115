package io.connbalance.rsocket;

import java.util.function.Predicate;
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

	private final Predicate<PodStats> usable;

	CountingTransport(ClientTransport delegate, Supplier<PodStats> pod, Predicate<PodStats> usable) {
		this.delegate = delegate;
		this.pod = pod;
		this.usable = usable;
	}

	@Override
	public Mono<DuplexConnection> connect() {
		return this.delegate.connect().map((connection) -> new CountingConnection(connection, this.pod, this.usable));
	}

	@Override
	public int maxFrameLength() {
		return this.delegate.maxFrameLength();
	}

}
