package io.connbalance.http;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.stats.PodStats;

import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.WebSocketClient;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The servlet stack's {@link WebSocketClient} (Spring MVC applications, STOMP clients)
 * for {@code ws://<service key>/...}: each session opens on the pod with the fewest
 * sessions from this client, with the {@code Host} header the URL's authority. The
 * standard (JSR 356) client connects to the address in its URL, so it cannot send TLS's
 * SNI for the service: {@code wss://<key>} sessions need the reactive client.
 */
public final class ServiceStandardWebSocketClient implements WebSocketClient {

	private final WebSocketClient delegate;

	private final ServiceBalancers balancers;

	private final WebSocketSessions sessions;

	/**
	 * Creates the client.
	 * @param delegate the client that connects (a {@code StandardWebSocketClient})
	 * @param balancers the balancers
	 * @param sessions the sessions of each pod
	 */
	public ServiceStandardWebSocketClient(WebSocketClient delegate, ServiceBalancers balancers,
			WebSocketSessions sessions) {
		this.delegate = delegate;
		this.balancers = balancers;
		this.sessions = sessions;
	}

	@Override
	public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, String uriTemplate,
			Object... uriVariables) {
		return execute(handler, null,
				UriComponentsBuilder.fromUriString(uriTemplate).buildAndExpand(uriVariables).encode().toUri());
	}

	@Override
	public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, WebSocketHttpHeaders headers,
			URI uri) {
		String host = this.sessions.serviceKey(uri);
		if (host == null) {
			return this.delegate.execute(handler, headers, uri);
		}
		if ("wss".equalsIgnoreCase(uri.getScheme())) {
			return CompletableFuture.failedFuture(new IllegalArgumentException("wss://" + host
					+ " is a connbalance service: open its sessions with the reactive WebSocketClient bean, "
					+ "whose connections send TLS's SNI for the service (the standard client cannot)"));
		}
		ServiceBalancer balancer = this.balancers.get(host);
		PodStats pod = this.sessions.choose(balancer);
		WebSocketHttpHeaders podHeaders = new WebSocketHttpHeaders();
		if (headers != null) {
			podHeaders.putAll(headers);
		}
		podHeaders.set(WebSocketHttpHeaders.HOST, PodUris.authority(uri));
		AtomicBoolean opened = new AtomicBoolean();
		WebSocketHandler counted = new WebSocketHandlerDecorator(handler) {

			private volatile Runnable closed;

			@Override
			public void afterConnectionEstablished(WebSocketSession session) throws Exception {
				opened.set(true);
				this.closed = ServiceStandardWebSocketClient.this.sessions.open(host, pod, (code) -> {
					try {
						session.close(new CloseStatus(code));
					}
					catch (java.io.IOException ex) {
						// closed already
					}
				});
				super.afterConnectionEstablished(session);
			}

			@Override
			public void afterConnectionClosed(WebSocketSession session, CloseStatus status) throws Exception {
				Runnable closed = this.closed;
				if (closed != null) {
					closed.run();
				}
				super.afterConnectionClosed(session, status);
			}

		};
		return this.delegate.execute(counted, podHeaders, PodUris.rewrite(uri, pod.pod()))
			.whenComplete((session, failure) -> {
				if (failure != null && !opened.get()) {
					this.sessions.handshakeFailed(pod, failure);
				}
			});
	}

}
