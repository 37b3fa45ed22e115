package io.connbalance.rsocket;

import java.util.function.Predicate;
import java.util.function.Supplier;

import io.rsocket.DuplexConnection;
import io.rsocket.transport.ClientTransport;
import reactor.core.publisher.Mono;

import io.connbalance.http.Retries;
import io.connbalance.stats.Client;
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

	/**
	 * Connects; a connect that fails (refused, timed out, a certificate not trusted)
	 * counts as a failure of the pod, as it does for HTTP requests, so that a pod that
	 * died is ejected; one the pod's TLS refused (this client's certificate) does not, as
	 * every pod would refuse it.
	 */
	@Override
	public Mono<DuplexConnection> connect() {
		return Mono.defer(() -> {
			PodStats stats = this.pod.get();
			long started = (stats != null) ? stats.now() : 0;
			return this.delegate.connect().doOnError((failure) -> {
				if (stats != null && stats.begin()) {
					stats.endWithoutResponse(Client.RSOCKET, started, true, Retries.isPodFailure(failure), failure);
				}
			});
		}).map((connection) -> new CountingConnection(connection, this.pod, this.usable));
	}

	@Override
	public int maxFrameLength() {
		return this.delegate.maxFrameLength();
	}

}
