package io.connbalance.http;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.ReactorHttpClientBuilder;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import org.springframework.web.reactive.socket.client.WebSocketClient;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.Pod;

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

	private final WebSocketSessions sessions;

	/** The WebSocket client of each pod, by service and address. */
	private final Map<String, ReactorNettyWebSocketClient> clients = new ConcurrentHashMap<>();

	/** Each service's timeouts and SSL bundle, by key. */
	private final Map<String, ClientOptions> options;

	/**
	 * Creates the client.
	 * @param delegate the client of every other host
	 * @param balancers the balancers
	 * @param sessions the sessions of each pod
	 * @param options each service's timeouts and SSL bundle, by key
	 */
	public ServiceWebSocketClient(WebSocketClient delegate, ServiceBalancers balancers, WebSocketSessions sessions,
			Map<String, ClientOptions> options) {
		this.delegate = delegate;
		this.options = Map.copyOf(options);
		this.balancers = balancers;
		this.sessions = sessions;
	}

	/**
	 * The WebSocket client of a pod: connections of its own (none shared with the HTTP
	 * pools), resolving the service's name to the pod, with the service's connect timeout
	 * and SSL bundle, by Spring Boot's builder. A pod that has gone leaves only this
	 * small object behind: it holds no connection once its sessions have closed.
	 */
	private ReactorNettyWebSocketClient client(String service, Pod pod) {
		ClientOptions options = this.options.get(service);
		return this.clients.computeIfAbsent(service + "/" + pod.address(), (key) -> {
			PodAddressResolverGroup resolver = new PodAddressResolverGroup(pod);
			ReactorHttpClientBuilder builder = new ReactorHttpClientBuilder()
				.withHttpClientFactory(() -> HttpClient.create(ConnectionProvider.newConnection()))
				.withHttpClientCustomizer((client) -> client.resolver(resolver));
			HttpClient client = (options != null) ? builder.build(options.settings())
					: builder.build(HttpClientSettings.defaults());
			return new ReactorNettyWebSocketClient(client);
		});
	}

	@Override
	public Mono<Void> execute(URI url, WebSocketHandler handler) {
		return execute(url, new HttpHeaders(), handler);
	}

	@Override
	public Mono<Void> execute(URI url, HttpHeaders headers, WebSocketHandler handler) {
		String service = this.sessions.serviceKey(url);
		if (service == null) {
			return this.delegate.execute(url, headers, handler);
		}
		ServiceBalancer balancer = this.balancers.get(service);
		return Mono.defer(() -> {
			WebSocketSessions.Handshake handshake = this.sessions.choose(balancer);
			Pod pod = handshake.pod();
			HttpHeaders podHeaders = new HttpHeaders();
			podHeaders.putAll(headers);
			podHeaders.set(HttpHeaders.HOST, PodUris.authority(url));
			return client(service, pod).execute(PodUris.toPodPort(url, pod), podHeaders, (session) -> {
				Runnable closed = handshake
					.succeeded((code) -> session.close(new CloseStatus(code)).subscribe(null, (failure) -> {
					}));
				return handler.handle(session).doFinally((signal) -> closed.run());
			})
				.doOnError(handshake::failed)
				// cancelled during the handshake (after it, ending is a no-op)
				.doFinally((signal) -> handshake.cancelled());
		});
	}

}
