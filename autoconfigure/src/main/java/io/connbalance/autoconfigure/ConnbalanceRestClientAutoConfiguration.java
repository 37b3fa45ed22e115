package io.connbalance.autoconfigure;

import java.util.Map;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.http.ClientOptions;
import io.connbalance.http.HttpComponentsPodClient;
import io.connbalance.http.PodClients;
import io.connbalance.http.ServiceRequestInterceptor;
import org.apache.hc.client5.http.impl.classic.HttpClients;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.client.RestClient;

/**
 * Balances RestClient requests for {@code http://<service key>/...} over per-pod Apache
 * HttpClient 5 pools, through Spring Boot's auto-configured {@link RestClient.Builder}.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ RestClient.class, RestClientCustomizer.class, HttpClients.class })
@ConditionalOnBean(ServiceBalancers.class)
public final class ConnbalanceRestClientAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(name = "connbalanceHttpComponentsPodClients")
	PodClients<HttpComponentsPodClient> connbalanceHttpComponentsPodClients(ServiceBalancers balancers,
			ConnbalanceSettings connbalanceSettings, ObjectProvider<HttpClientSettings> settings) {
		Map<String, ClientOptions> options = ClientOptionsFactory.create(connbalanceSettings, settings);
		return new PodClients<>(balancers, (service, pod) -> new HttpComponentsPodClient(options.get(service)));
	}

	@Bean
	@ConditionalOnMissingBean
	ServiceRequestInterceptor connbalanceRequestInterceptor(ServiceBalancers balancers,
			PodClients<HttpComponentsPodClient> connbalanceHttpComponentsPodClients) {
		return new ServiceRequestInterceptor(balancers, connbalanceHttpComponentsPodClients);
	}

	/**
	 * Runs last, so the interceptor is the last one: interceptors added before it still
	 * see service requests.
	 */
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	RestClientCustomizer connbalanceRestClientCustomizer(ServiceRequestInterceptor interceptor) {
		return (builder) -> builder.requestInterceptors((interceptors) -> {
			if (!interceptors.contains(interceptor)) {
				interceptors.add(interceptor);
			}
		});
	}

}
