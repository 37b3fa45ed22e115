package io.connbalance.http;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import org.springframework.web.reactive.socket.client.WebSocketClient;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.Pod;
import io.connbalance.stats.Client;
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

	/** The WebSocket client of each pod, by service and address. */
	private final Map<String, ReactorNettyWebSocketClient> clients = new ConcurrentHashMap<>();

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

	/**
	 * The WebSocket client of a pod: connections of its own (none shared with the HTTP
	 * pools), resolving the service's name to the pod. A pod that has gone leaves only
	 * this small object behind: it holds no connection once its sessions have closed.
	 */
	private ReactorNettyWebSocketClient client(String service, Pod pod) {
		return this.clients.computeIfAbsent(service + "/" + pod.address(), (key) -> new ReactorNettyWebSocketClient(
				HttpClient.create(ConnectionProvider.newConnection()).resolver(new PodAddressResolverGroup(pod))));
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
			return client(host, pod.pod()).execute(PodUris.toPodPort(url, pod.pod()), podHeaders, (session) -> {
				opened.set(true);
				Runnable closed = this.sessions.open(host, pod,
						(code) -> session.close(new CloseStatus(code)).subscribe(null, (failure) -> {
						}));
				return handler.handle(session).doFinally((signal) -> closed.run());
			}).doOnError((failure) -> {
				if (!opened.get() && pod.begin()) {
					// a pod that refuses sessions must not draw every new one: its
					// failed handshakes count toward its ejection
					pod.endWithoutResponse(Client.WEBSOCKET, pod.now(), true, Retries.isPodFailure(failure), failure);
				}
			}).doFinally((signal) -> {
				if (!opened.get()) {
					// the handshake failed or was cancelled
					this.sessions.opened(pod);
				}
			});
		});
	}

}
