package io.connbalance.http;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

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
		for (ServiceBalancer balancer : balancers.all()) {
			// a pod that has drained (its sessions closed) needs its client no more
			balancer.addDrainListener((pod) -> this.clients.remove(balancer.service() + "/" + pod.pod().address()));
		}
	}

	/**
	 * The WebSocket client of a pod: connections of its own (none shared with the HTTP
	 * pools), resolving the service's name to the pod, with the service's connect timeout
	 * and SSL bundle, by Spring Boot's builder. It is dropped once its pod has left and
	 * drained.
	 */
	private ReactorNettyWebSocketClient client(String service, Pod pod) {
		ClientOptions options = this.options.get(service);
		return this.clients.computeIfAbsent(service + "/" + pod.address(), (key) -> {
			PodAddressResolverGroup resolver = new PodAddressResolverGroup(pod);
			ReactorHttpClientBuilder builder = new ReactorHttpClientBuilder()
				.withHttpClientFactory(() -> HttpClient.create(ConnectionProvider.newConnection()))
				.withHttpClientCustomizer((client) -> client.resolver(resolver));
			// no read timeout: a session may be quiet for long (the handshake has
			// its own)
			HttpClient client = (options != null)
					? builder.build(options.settings().withTimeouts(options.connectTimeout(), null))
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
		Duration handshakeTimeout = WebSocketSessions.handshakeTimeout(this.options.get(service));
		return Mono.defer(() -> {
			WebSocketSessions.Handshake handshake = this.sessions.choose(balancer);
			Pod pod = handshake.pod();
			AtomicBoolean opened = new AtomicBoolean();
			Mono<Void> session;
			try {
				HttpHeaders podHeaders = new HttpHeaders();
				podHeaders.putAll(headers);
				podHeaders.set(HttpHeaders.HOST, PodUris.authority(url));
				session = client(service, pod).execute(PodUris.toPodPort(url, pod), podHeaders, (open) -> {
					opened.set(true);
					Runnable closed = handshake
						.succeeded((code) -> open.close(new CloseStatus(code)).subscribe(null, (failure) -> {
						}));
					return Mono.defer(() -> handler.handle(open)).doFinally((signal) -> closed.run());
				});
			}
			catch (RuntimeException ex) {
				handshake.failed(ex);
				return Mono.error(ex);
			}
			// a pod that accepts the connection and never answers (frozen) fails the
			// handshake instead of holding its caller
			Mono<Void> timeout = Mono.delay(handshakeTimeout)
				// takeUntilOther ends the session when this completes: once the
				// session is open, it never does
				.flatMap((tick) -> opened.get() ? Mono.never()
						: Mono.error(new TimeoutException("No WebSocket handshake from pod " + pod.name() + " ("
								+ pod.address() + ") within " + handshakeTimeout.toMillis() + " ms")));
			return session.takeUntilOther(timeout)
				.doOnError(handshake::failed)
				// cancelled during the handshake (after it, ending is a no-op)
				.doFinally((signal) -> handshake.cancelled());
		});
	}

}
