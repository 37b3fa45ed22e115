package io.connbalance.autoconfigure;

import java.util.Map;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.http.ClientOptions;
import io.connbalance.http.PodClients;
import io.connbalance.http.ReactorPodClient;
import io.connbalance.http.ServiceExchangeFilterFunction;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.codec.CodecCustomizer;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.reactive.function.client.ExchangeStrategies;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Balances WebClient requests for {@code http://<service key>/...} over per-pod Reactor
 * Netty pools, through Spring Boot's auto-configured {@link WebClient.Builder}.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ WebClient.class, WebClientCustomizer.class, HttpClient.class, CodecCustomizer.class })
@ConditionalOnBean(ServiceBalancers.class)
public final class ConnbalanceWebClientAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(name = "connbalanceReactorPodClients")
	PodClients<ReactorPodClient> connbalanceReactorPodClients(ServiceBalancers balancers,
			ConnbalanceSettings connbalanceSettings, ObjectProvider<HttpClientSettings> settings,
			ObjectProvider<CodecCustomizer> codecCustomizers) {
		Map<String, ClientOptions> options = ClientOptionsFactory.create(connbalanceSettings, settings);
		// Responses are decoded with the codecs Spring Boot gives every WebClient.
		ExchangeStrategies strategies = ExchangeStrategies.builder()
			.codecs((codecs) -> codecCustomizers.orderedStream().forEach((customizer) -> customizer.customize(codecs)))
			.build();
		return new PodClients<>(balancers, (service, pod) -> {
			String poolName = "connbalance-" + service + "-" + pod.address();
			return new ReactorPodClient(poolName, options.get(service), strategies);
		});
	}

	@Bean
	@ConditionalOnMissingBean
	ServiceExchangeFilterFunction connbalanceExchangeFilterFunction(ServiceBalancers balancers,
			PodClients<ReactorPodClient> connbalanceReactorPodClients) {
		return new ServiceExchangeFilterFunction(balancers, connbalanceReactorPodClients);
	}

	/**
	 * Runs last, so the filter is the innermost one: filters added before it still see
	 * service requests.
	 */
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	WebClientCustomizer connbalanceWebClientCustomizer(ServiceExchangeFilterFunction filter) {
		return (builder) -> builder.filters((filters) -> {
			if (!filters.contains(filter)) {
				filters.add(filter);
			}
		});
	}

}
