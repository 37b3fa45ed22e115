package io.connbalance.demo.backend;

import java.io.IOException;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * {@code /ws/whoami}: a WebSocket session that names its pod when it opens, and answers
 * each message with the pod's name. It stays open until the client or the pod closes it.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class WhoAmIWebSocket extends TextWebSocketHandler implements WebSocketConfigurer {

	private final PodIdentity pod;

	WhoAmIWebSocket(PodIdentity pod) {
		this.pod = pod;
	}

	@Override
	public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
		registry.addHandler(this, "/ws/whoami");
	}

	@Override
	public void afterConnectionEstablished(WebSocketSession session) throws IOException {
		session.sendMessage(new TextMessage(this.pod.name()));
	}

	@Override
	protected void handleTextMessage(WebSocketSession session, TextMessage message) throws IOException {
		session.sendMessage(new TextMessage(this.pod.name()));
	}

}
