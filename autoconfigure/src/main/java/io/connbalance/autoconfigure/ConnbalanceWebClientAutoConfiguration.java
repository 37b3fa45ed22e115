package io.connbalance.autoconfigure;

import java.util.Map;
import java.util.Optional;

import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
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
import io.connbalance.http.ServiceConnectorBuilder;
import io.connbalance.pod.Pod;

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
		return new PodClients<>(balancers, (service, pod) -> podClient(service, pod, options.get(service)));
	}

	private static ReactorPodClient podClient(String service, Pod pod, ClientOptions options) {
		return new ReactorPodClient("connbalance-" + service + "-" + pod.address(), pod, options);
	}

	/**
	 * Spring Boot's connector builder and connector, decorated: the connectors of
	 * WebClient builders, {@code WebClientSsl} and HTTP service groups send service
	 * requests to pods and every other request through the connector Spring Boot would
	 * have built.
	 */
	@Bean
	static TransportDecorator<ClientHttpConnectorBuilder<?>> connbalanceConnectorBuilderDecorator(
			ObjectProvider<ConnbalanceSettings> settings, ObjectProvider<ServiceBalancers> balancers,
			@Qualifier("connbalanceReactorPodClients") ObjectProvider<PodClients<ReactorPodClient>> clients,
			ObjectProvider<HttpClientSettings> httpSettings, ObjectProvider<SslBundles> sslBundles) {
		PodClientsResolver<ReactorPodClient> resolver = new PodClientsResolver<>(clients::getObject,
				settings::getObject, () -> httpSettings.getIfAvailable(HttpClientSettings::defaults),
				() -> ClientOptionsFactory.create(settings.getObject(), httpSettings, sslBundles),
				ConnbalanceWebClientAutoConfiguration::podClient);
		@SuppressWarnings("unchecked")
		Class<ClientHttpConnectorBuilder<?>> type = (Class<ClientHttpConnectorBuilder<?>>) (Class<?>) ClientHttpConnectorBuilder.class;
		return new TransportDecorator<>(type, ServiceConnectorBuilder.class,
				(builder) -> new ServiceConnectorBuilder(builder, settings.getObject().serviceKeys(),
						balancers::getObject, resolver));
	}

	@Bean
	static TransportDecorator<ClientHttpConnector> connbalanceConnectorDecorator(
			ObjectProvider<ConnbalanceSettings> settings, ObjectProvider<ServiceBalancers> balancers,
			@Qualifier("connbalanceReactorPodClients") ObjectProvider<PodClients<ReactorPodClient>> clients) {
		return new TransportDecorator<>(ClientHttpConnector.class, ServiceClientHttpConnector.class,
				(connector) -> new ServiceClientHttpConnector(connector, settings.getObject().serviceKeys(),
						balancers::getObject, clients::getObject));
	}

	/**
	 * Runs last. When the application's connector bean is connbalance's (decorated
	 * above), Spring Boot's own customizer has given it to the builder and there is
	 * nothing to do; when it could not be decorated (declared with a concrete type), the
	 * builder gets it wrapped.
	 */
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	@ConditionalOnMissingBean(name = "connbalanceWebClientCustomizer")
	WebClientCustomizer connbalanceWebClientCustomizer(ConnbalanceSettings connbalanceSettings,
			ObjectProvider<ServiceBalancers> balancers,
			@Qualifier("connbalanceReactorPodClients") ObjectProvider<PodClients<ReactorPodClient>> clients,
			ObjectProvider<ClientHttpConnector> connector,
			ObjectProvider<ClientHttpConnectorBuilder<?>> connectorBuilder, ObjectProvider<HttpClientSettings> settings,
			ResourceLoader resourceLoader) {
		SingletonSupplier<Optional<ClientHttpConnector>> balanced = SingletonSupplier.of(() -> {
			ClientHttpConnector unique = connector.getIfUnique();
			if (unique instanceof ServiceClientHttpConnector) {
				// decorated: Spring Boot's customizer gives it to the builder
				return Optional.empty();
			}
			ClientHttpConnector existing = (unique != null) ? unique
					: connectorBuilder
						.getIfAvailable(() -> ClientHttpConnectorBuilder.detect(resourceLoader.getClassLoader()))
						.build(settings.getIfAvailable(HttpClientSettings::defaults));
			// the balancers are looked up on the first request for a service
			return Optional
				.of((existing instanceof ServiceClientHttpConnector) ? existing : new ServiceClientHttpConnector(
						existing, connbalanceSettings.serviceKeys(), balancers::getObject, clients::getObject));
		});
		return (builder) -> balanced.obtain().ifPresent(builder::clientConnector);
	}

}
