package io.connbalance.http;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.client.WebSocketClient;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.stats.PodStats;

/**
 * A reactive {@link WebSocketClient} that opens each session for
 * {@code ws(s)://<service key>/...} on the pod of that service with the fewest sessions
 * from this client, and every other session through the client it wraps. The {@code Host}
 * header is the URL's authority, and TLS names the service (SNI and hostname
 * verification), as if the pod were the Service. Sessions are counted in
 * {@link WebSocketSessions}, which may move them to a pod that joins.
 */
public final class ServiceWebSocketClient implements WebSocketClient {

	private final WebSocketClient delegate;

	private final ServiceBalancers balancers;

	private final Set<String> services;

	private final WebSocketSessions sessions;

	/**
	 * Creates the client.
	 * @param delegate the client of every other host
	 * @param balancers the balancers
	 * @param sessions the sessions of each pod
	 */
	public ServiceWebSocketClient(WebSocketClient delegate, ServiceBalancers balancers, WebSocketSessions sessions) {
		this.delegate = delegate;
		this.balancers = balancers;
		this.services = Set.copyOf(balancers.all().stream().map(ServiceBalancer::service).toList());
		this.sessions = sessions;
	}

	@Override
	public Mono<Void> execute(URI url, WebSocketHandler handler) {
		return execute(url, new HttpHeaders(), handler);
	}

	@Override
	public Mono<Void> execute(URI url, HttpHeaders headers, WebSocketHandler handler) {
		String scheme = (url.getScheme() != null) ? url.getScheme().toLowerCase(Locale.ROOT) : "";
		String host = (url.getHost() != null) ? url.getHost().toLowerCase(Locale.ROOT) : null;
		if (!scheme.equals("ws") && !scheme.equals("wss") || host == null || !this.services.contains(host)) {
			return this.delegate.execute(url, headers, handler);
		}
		ServiceBalancer balancer = this.balancers.get(host);
		return Mono.defer(() -> {
			PodStats pod = this.sessions.choose(balancer);
			HttpHeaders podHeaders = new HttpHeaders();
			podHeaders.putAll(headers);
			podHeaders.set(HttpHeaders.HOST, PodUris.authority(url));
			AtomicBoolean opened = new AtomicBoolean();
			return this.sessions.client(host, pod.pod())
				.execute(PodUris.toPodPort(url, pod.pod()), podHeaders, (session) -> {
					opened.set(true);
					return this.sessions.track(host, pod, session, handler);
				})
				.doFinally((signal) -> {
					if (!opened.get()) {
						// the handshake failed or was cancelled
						this.sessions.opened(pod);
					}
				});
		});
	}

}
