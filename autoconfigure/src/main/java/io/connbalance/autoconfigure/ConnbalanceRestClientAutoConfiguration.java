package io.connbalance.autoconfigure;

import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.client.RestClient;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.http.ClientOptions;
import io.connbalance.http.HttpComponentsPodClient;
import io.connbalance.http.JdkPodClient;
import io.connbalance.http.PodClient;
import io.connbalance.http.PodClients;
import io.connbalance.http.ReactorPodClient;
import io.connbalance.http.ServiceClientHttpRequestFactory;
import io.connbalance.http.ServiceRequestFactoryBuilder;
import io.connbalance.pod.Pod;

/**
 * Balances RestClient requests for {@code http(s)://<service key>/...} over per-pod
 * Apache HttpClient 5 pools, through Spring Boot's auto-configured
 * {@link RestClient.Builder}: its request factory is wrapped, so that every interceptor,
 * observation and message converter of the builder sees the request.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ RestClient.class, RestClientCustomizer.class, ClientHttpRequestFactoryBuilder.class })
@ConditionalOnBean(ServiceBalancers.class)
public final class ConnbalanceRestClientAutoConfiguration {

	private static final Log logger = LogFactory.getLog(ConnbalanceRestClientAutoConfiguration.class);

	private static final String HTTP_COMPONENTS = "org.apache.hc.client5.http.impl.classic.HttpClients";

	private static final String REACTOR_NETTY = "reactor.netty.http.client.HttpClient";

	/**
	 * A client per pod: Apache HttpClient 5 when it is on the class path, else Reactor
	 * Netty, which also serves services with HTTP/2, else the JDK's client.
	 */
	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(name = "connbalanceRestClientPodClients")
	PodClients<PodClient> connbalanceRestClientPodClients(ServiceBalancers balancers,
			ConnbalanceSettings connbalanceSettings, ObjectProvider<HttpClientSettings> settings,
			ObjectProvider<SslBundles> sslBundles, ResourceLoader resourceLoader) {
		Map<String, ClientOptions> options = ClientOptionsFactory.create(connbalanceSettings, settings, sslBundles);
		ClassLoader classLoader = resourceLoader.getClassLoader();
		boolean httpComponents = ClassUtils.isPresent(HTTP_COMPONENTS, classLoader);
		boolean reactor = ClassUtils.isPresent(REACTOR_NETTY, classLoader);
		options.forEach((service, serviceOptions) -> {
			if (serviceOptions.http2() && !reactor) {
				throw new InvalidConfigurationException("connbalance.services." + service + ".http2.enabled",
						"needs Reactor Netty for RestClient, which is not on the class path",
						"Add io.projectreactor.netty:reactor-netty-http, or set it to false.");
			}
		});
		if (!httpComponents && !reactor && !options.isEmpty()) {
			logger.warn("connbalance sends RestClient requests for services " + options.keySet()
					+ " over the JDK's HttpClient, which cannot resolve a service's name to a pod: pods see their own "
					+ "address as Host, and their connections are not counted. Add "
					+ "org.apache.httpcomponents.client5:httpclient5 for the full behaviour.");
		}
		return new PodClients<>(balancers,
				(service, pod) -> podClient(service, pod, options.get(service), classLoader));
	}

	private static PodClient podClient(String service, Pod pod, ClientOptions options, ClassLoader classLoader) {
		if (ClassUtils.isPresent(HTTP_COMPONENTS, classLoader) && !options.http2()) {
			return new HttpComponentsPodClient(pod, options);
		}
		if (ClassUtils.isPresent(REACTOR_NETTY, classLoader)) {
			return new ReactorPodClient("connbalance-rest-" + service + "-" + pod.address(), pod, options);
		}
		return new JdkPodClient(service, options);
	}

	/**
	 * Spring Boot's request factory builder, decorated: the request factories of
	 * RestClient builders, RestTemplate and HTTP service groups send service requests to
	 * pods and every other request through the factory Spring Boot would have built, each
	 * with its own settings.
	 */
	@Bean
	static TransportDecorator<ClientHttpRequestFactoryBuilder<?>> connbalanceRequestFactoryBuilderDecorator(
			ObjectProvider<ConnbalanceSettings> settings, ObjectProvider<ServiceBalancers> balancers,
			@Qualifier("connbalanceRestClientPodClients") ObjectProvider<PodClients<PodClient>> clients,
			ObjectProvider<HttpClientSettings> httpSettings, ObjectProvider<SslBundles> sslBundles,
			ResourceLoader resourceLoader) {
		ClassLoader classLoader = resourceLoader.getClassLoader();
		PodClientsResolver<PodClient> resolver = new PodClientsResolver<>(clients::getObject, settings::getObject,
				() -> httpSettings.getIfAvailable(HttpClientSettings::defaults),
				() -> ClientOptionsFactory.create(settings.getObject(), httpSettings, sslBundles),
				(service, pod, options) -> podClient(service, pod, options, classLoader));
		@SuppressWarnings("unchecked")
		Class<ClientHttpRequestFactoryBuilder<?>> type = (Class<ClientHttpRequestFactoryBuilder<?>>) (Class<?>) ClientHttpRequestFactoryBuilder.class;
		return new TransportDecorator<>(type, ServiceRequestFactoryBuilder.class,
				(builder) -> new ServiceRequestFactoryBuilder(builder, settings.getObject().serviceKeys(),
						balancers::getObject, resolver));
	}

	/**
	 * Runs last. When the application's request factory builder is connbalance's
	 * (decorated above), the builder's factory already is and there is nothing to do;
	 * when it could not be decorated (declared with a concrete type, or absent), the
	 * builder gets a factory of its making wrapped.
	 */
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	@ConditionalOnMissingBean(name = "connbalanceRestClientCustomizer")
	RestClientCustomizer connbalanceRestClientCustomizer(ConnbalanceSettings connbalanceSettings,
			ObjectProvider<ServiceBalancers> balancers,
			@Qualifier("connbalanceRestClientPodClients") ObjectProvider<PodClients<PodClient>> clients,
			ObjectProvider<ClientHttpRequestFactoryBuilder<?>> requestFactoryBuilder,
			ObjectProvider<HttpClientSettings> settings, ResourceLoader resourceLoader) {
		// the balancers are looked up on the first request for a service: a client made
		// while they are made (by a discovery client, say) must not wait for them
		SingletonSupplier<ClientHttpRequestFactoryBuilder<?>> builders = SingletonSupplier
			.of(() -> requestFactoryBuilder
				.getIfAvailable(() -> ClientHttpRequestFactoryBuilder.detect(resourceLoader.getClassLoader())));
		return (builder) -> {
			if (!(builders.obtain() instanceof ServiceRequestFactoryBuilder)) {
				builder.requestFactory(new ServiceClientHttpRequestFactory(
						builders.obtain().build(settings.getIfAvailable(HttpClientSettings::defaults)),
						connbalanceSettings.serviceKeys(), balancers::getObject, clients::getObject));
			}
		};
	}

}
