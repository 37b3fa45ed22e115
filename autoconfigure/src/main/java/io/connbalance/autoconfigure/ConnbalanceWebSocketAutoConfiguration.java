package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.http.ServiceWebSocketClient;
import io.connbalance.http.WebSocketSessions;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import org.springframework.web.reactive.socket.client.WebSocketClient;

/**
 * A reactive {@link WebSocketClient} that opens sessions for {@code ws(s)://<key>/...} on
 * the pods of the service, when Spring WebFlux and Reactor Netty are present and the
 * application defines no WebSocketClient of its own.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ ReactorNettyWebSocketClient.class, reactor.netty.http.client.HttpClient.class })
@ConditionalOnBean(ServiceBalancers.class)
public final class ConnbalanceWebSocketAutoConfiguration {

	@Bean(initMethod = "start", destroyMethod = "stop")
	@ConditionalOnMissingBean
	WebSocketSessions connbalanceWebSocketSessions(ServiceBalancers balancers, ConnbalanceProperties properties) {
		Map<String, Boolean> rebalance = new LinkedHashMap<>();
		Map<String, Duration> drainTimeouts = new LinkedHashMap<>();
		for (Map.Entry<String, ConnbalanceProperties.Service> service : properties.getServices().entrySet()) {
			ConnbalanceProperties.Websocket websocket = service.getValue().getWebsocket();
			rebalance.put(service.getKey(), websocket.isRebalance());
			Duration timeout = websocket.getDrainTimeout();
			if (timeout == null || timeout.isNegative()) {
				throw new InvalidConfigurationException(
						"connbalance.services." + service.getKey() + ".websocket.drain-timeout",
						"must be zero or positive, was " + timeout, "Set a duration such as 30s.");
			}
			drainTimeouts.put(service.getKey(), timeout);
		}
		return new WebSocketSessions(balancers, rebalance, drainTimeouts);
	}

	@Bean
	@ConditionalOnMissingBean(WebSocketClient.class)
	ServiceWebSocketClient connbalanceWebSocketClient(ServiceBalancers balancers, WebSocketSessions sessions) {
		return new ServiceWebSocketClient(new ReactorNettyWebSocketClient(), balancers, sessions);
	}

}
