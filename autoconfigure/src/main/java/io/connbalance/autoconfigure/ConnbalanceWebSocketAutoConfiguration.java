package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.websocket.ContainerProvider;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.http.ServiceStandardWebSocketClient;
import io.connbalance.http.ServiceWebSocketClient;
import io.connbalance.http.WebSocketSessions;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import org.springframework.web.reactive.socket.client.WebSocketClient;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;

/**
 * WebSocket clients that open sessions for {@code ws(s)://<key>/...} on the pods of the
 * service: the reactive one when Spring WebFlux and Reactor Netty are present, the
 * servlet stack's when Spring's WebSocket support and a JSR 356 client are; each unless
 * the application defines its own.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class,
		afterName = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration")
@ConditionalOnConnbalanceEnabled
@ConditionalOnBean(ServiceBalancers.class)
public final class ConnbalanceWebSocketAutoConfiguration {

	/**
	 * The sessions of every service, for whichever WebSocket client is present; its
	 * thread starts with the first session.
	 */
	@Bean(destroyMethod = "stop")
	@ConditionalOnMissingBean
	@Conditional(OnWebSocketClient.class)
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

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ReactorNettyWebSocketClient.class, reactor.netty.http.client.HttpClient.class })
	static class Reactive {

		@Bean
		@ConditionalOnMissingBean(WebSocketClient.class)
		ServiceWebSocketClient connbalanceWebSocketClient(ServiceBalancers balancers, WebSocketSessions sessions,
				ConnbalanceSettings settings, ObjectProvider<HttpClientSettings> httpSettings,
				ObjectProvider<SslBundles> sslBundles) {
			return new ServiceWebSocketClient(new ReactorNettyWebSocketClient(), balancers, sessions,
					ClientOptionsFactory.create(settings, httpSettings, sslBundles));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ StandardWebSocketClient.class, ContainerProvider.class })
	static class Servlet {

		@Bean
		@ConditionalOnMissingBean(org.springframework.web.socket.client.WebSocketClient.class)
		ServiceStandardWebSocketClient connbalanceStandardWebSocketClient(ServiceBalancers balancers,
				WebSocketSessions sessions, ConnbalanceSettings settings,
				ObjectProvider<HttpClientSettings> httpSettings, ObjectProvider<SslBundles> sslBundles) {
			return new ServiceStandardWebSocketClient(ContainerProvider.getWebSocketContainer(), balancers, sessions,
					ClientOptionsFactory.create(settings, httpSettings, sslBundles));
		}

	}

	/** Spring WebFlux's client with Reactor Netty, or the servlet stack's JSR 356 one. */
	static final class OnWebSocketClient extends AnyNestedCondition {

		OnWebSocketClient() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnClass({ ReactorNettyWebSocketClient.class, reactor.netty.http.client.HttpClient.class })
		static class Reactive {

		}

		@ConditionalOnClass({ StandardWebSocketClient.class, ContainerProvider.class })
		static class Servlet {

		}

	}

}
