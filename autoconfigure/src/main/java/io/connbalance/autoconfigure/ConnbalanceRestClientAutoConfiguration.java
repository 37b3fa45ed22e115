package io.connbalance.autoconfigure;

import java.util.Map;

import org.apache.hc.client5.http.impl.classic.HttpClients;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.client.RestClient;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.http.ClientOptions;
import io.connbalance.http.HttpComponentsPodClient;
import io.connbalance.http.PodClients;
import io.connbalance.http.ServiceClientHttpRequestFactory;

/**
 * Balances RestClient requests for {@code http(s)://<service key>/...} over per-pod
 * Apache HttpClient 5 pools, through Spring Boot's auto-configured
 * {@link RestClient.Builder}: its request factory is wrapped, so that every interceptor,
 * observation and message converter of the builder sees the request.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ RestClient.class, RestClientCustomizer.class, ClientHttpRequestFactoryBuilder.class,
		HttpClients.class })
@ConditionalOnBean(ServiceBalancers.class)
public final class ConnbalanceRestClientAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(name = "connbalanceHttpComponentsPodClients")
	PodClients<HttpComponentsPodClient> connbalanceHttpComponentsPodClients(ServiceBalancers balancers,
			ConnbalanceSettings connbalanceSettings, ObjectProvider<HttpClientSettings> settings) {
		Map<String, ClientOptions> options = ClientOptionsFactory.create(connbalanceSettings, settings);
		return new PodClients<>(balancers, (service, pod) -> new HttpComponentsPodClient(pod, options.get(service)));
	}

	/**
	 * Runs last, so that the builder's request factory is connbalance's: the one Spring
	 * Boot makes for every RestClient (from {@code spring.http.clients.*} and the
	 * application's {@link ClientHttpRequestFactoryBuilder}) wrapped, sending service
	 * requests to pods and every other request through it.
	 */
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	@ConditionalOnMissingBean(name = "connbalanceRestClientCustomizer")
	RestClientCustomizer connbalanceRestClientCustomizer(ServiceBalancers balancers,
			PodClients<HttpComponentsPodClient> connbalanceHttpComponentsPodClients,
			ObjectProvider<ClientHttpRequestFactoryBuilder<?>> requestFactoryBuilder,
			ObjectProvider<HttpClientSettings> settings, ResourceLoader resourceLoader) {
		SingletonSupplier<ServiceClientHttpRequestFactory> balanced = SingletonSupplier.of(
				() -> new ServiceClientHttpRequestFactory(
						requestFactoryBuilder
							.getIfAvailable(
									() -> ClientHttpRequestFactoryBuilder.detect(resourceLoader.getClassLoader()))
							.build(settings.getIfAvailable(HttpClientSettings::defaults)),
						balancers, connbalanceHttpComponentsPodClients));
		return (builder) -> builder.requestFactory(balanced.obtain());
	}

}
