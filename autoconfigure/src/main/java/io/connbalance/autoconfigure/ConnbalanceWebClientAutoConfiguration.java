package io.connbalance.autoconfigure;

import java.util.Map;

import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.reactive.function.client.WebClient;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.http.ClientOptions;
import io.connbalance.http.PodClients;
import io.connbalance.http.ReactorPodClient;
import io.connbalance.http.ServiceClientHttpConnector;

/**
 * Balances WebClient requests for {@code http(s)://<service key>/...} over per-pod
 * Reactor Netty pools, through Spring Boot's auto-configured {@link WebClient.Builder}:
 * its connector is wrapped, so that every filter, observation and codec of the builder
 * sees the request.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ WebClient.class, WebClientCustomizer.class, HttpClient.class, ClientHttpConnectorBuilder.class })
@ConditionalOnBean(ServiceBalancers.class)
public final class ConnbalanceWebClientAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(name = "connbalanceReactorPodClients")
	PodClients<ReactorPodClient> connbalanceReactorPodClients(ServiceBalancers balancers,
			ConnbalanceSettings connbalanceSettings, ObjectProvider<HttpClientSettings> settings,
			ObjectProvider<SslBundles> sslBundles) {
		Map<String, ClientOptions> options = ClientOptionsFactory.create(connbalanceSettings, settings, sslBundles);
		return new PodClients<>(balancers, (service, pod) -> {
			String poolName = "connbalance-" + service + "-" + pod.address();
			return new ReactorPodClient(poolName, pod, options.get(service));
		});
	}

	/**
	 * Runs last, so that the builder's connector is connbalance's: the application's
	 * {@link ClientHttpConnector} bean (Spring Boot's, from
	 * {@code spring.http.clients.*}, or its own) wrapped, sending service requests to
	 * pods and every other request through it.
	 */
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	@ConditionalOnMissingBean(name = "connbalanceWebClientCustomizer")
	WebClientCustomizer connbalanceWebClientCustomizer(ServiceBalancers balancers,
			PodClients<ReactorPodClient> connbalanceReactorPodClients, ObjectProvider<ClientHttpConnector> connector,
			ObjectProvider<ClientHttpConnectorBuilder<?>> connectorBuilder, ObjectProvider<HttpClientSettings> settings,
			ResourceLoader resourceLoader) {
		SingletonSupplier<ServiceClientHttpConnector> balanced = SingletonSupplier
			.of(() -> new ServiceClientHttpConnector(
					connector.getIfUnique(() -> connectorBuilder
						.getIfAvailable(() -> ClientHttpConnectorBuilder.detect(resourceLoader.getClassLoader()))
						.build(settings.getIfAvailable(HttpClientSettings::defaults))),
					balancers, connbalanceReactorPodClients));
		return (builder) -> builder.clientConnector(balanced.obtain());
	}

}
