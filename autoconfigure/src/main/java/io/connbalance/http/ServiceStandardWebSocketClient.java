package io.connbalance.http;

import java.io.IOException;
import java.net.URI;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.SSLContext;

import jakarta.websocket.WebSocketContainer;

import io.connbalance.balance.NoPodAvailableException;
import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.WebSocketClient;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The servlet stack's {@link WebSocketClient} (Spring MVC applications, STOMP clients)
 * for {@code ws(s)://<service key>/...}: each session opens on the pod with the fewest
 * sessions from this client, with the {@code Host} header the URL's authority. Over
 * {@code wss} the TLS engine names the service (SNI and hostname verification) and trusts
 * the service's SSL bundle, through the standard client's SSL context, which Tomcat's
 * client honours. The service's read timeout (else 10 s) bounds Tomcat's connect and each
 * step of the handshake.
 */
public final class ServiceStandardWebSocketClient implements WebSocketClient {

	/** Tomcat's bound on connecting and the handshake, in milliseconds as a string. */
	static final String IO_TIMEOUT_PROPERTY = "org.apache.tomcat.websocket.IO_TIMEOUT_MS";

	private final WebSocketContainer container;

	private final WebSocketClient delegate;

	private final ServiceBalancers balancers;

	private final WebSocketSessions sessions;

	private final Map<String, ClientOptions> options;

	/** The client of each service. */
	private final Map<String, StandardWebSocketClient> clients = new ConcurrentHashMap<>();

	/**
	 * Creates the client.
	 * @param container the container that connects
	 * @param balancers the balancers
	 * @param sessions the sessions of each pod
	 * @param options each service's timeouts and SSL bundle, by key
	 */
	public ServiceStandardWebSocketClient(WebSocketContainer container, ServiceBalancers balancers,
			WebSocketSessions sessions, Map<String, ClientOptions> options) {
		this.container = container;
		this.delegate = new StandardWebSocketClient(container);
		this.balancers = balancers;
		this.sessions = sessions;
		this.options = Map.copyOf(options);
	}

	private StandardWebSocketClient client(String service) {
		return this.clients.computeIfAbsent(service, (key) -> {
			StandardWebSocketClient client = new StandardWebSocketClient(this.container);
			ClientOptions options = this.options.get(service);
			// Tomcat's bound on the connect and on each read and write of the handshake
			client.setUserProperties(
					Map.of(IO_TIMEOUT_PROPERTY, Long.toString(WebSocketSessions.handshakeTimeout(options).toMillis())));
			SslBundle bundle = (options != null) ? options.sslBundle() : null;
			try {
				SSLContext context = (bundle != null) ? bundle.createSslContext() : SSLContext.getDefault();
				client.setSslContext(
						new ServiceSslContext(context, service, (bundle != null) ? bundle.getOptions() : null));
			}
			catch (NoSuchAlgorithmException ex) {
				throw new IllegalStateException("No default TLS context for service '" + service + "'", ex);
			}
			return client;
		});
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
		ServiceBalancer balancer = this.balancers.get(host);
		WebSocketSessions.Handshake handshake;
		try {
			handshake = this.sessions.choose(balancer);
		}
		catch (NoPodAvailableException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		WebSocketHttpHeaders podHeaders = new WebSocketHttpHeaders();
		if (headers != null) {
			podHeaders.putAll(headers);
		}
		podHeaders.set(WebSocketHttpHeaders.HOST, PodUris.authority(uri));
		WebSocketHandler counted = new WebSocketHandlerDecorator(handler) {

			private volatile Runnable closed;

			@Override
			public void afterConnectionEstablished(WebSocketSession session) throws Exception {
				this.closed = handshake.succeeded((code) -> {
					try {
						session.close(new CloseStatus(code));
					}
					catch (IOException | RuntimeException ex) {
						// closed already, or closing
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
		CompletableFuture<WebSocketSession> opening;
		try {
			opening = client(host).execute(counted, podHeaders, PodUris.rewrite(uri, handshake.pod()));
		}
		catch (RuntimeException ex) {
			handshake.failed(ex);
			return CompletableFuture.failedFuture(ex);
		}
		return opening.whenComplete((session, failure) -> {
			if (failure instanceof CancellationException) {
				handshake.cancelled();
			}
			else if (failure != null) {
				handshake.failed(failure);
			}
		});
	}

}
