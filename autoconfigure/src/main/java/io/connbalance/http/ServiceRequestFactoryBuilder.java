package io.connbalance.http;

import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.http.client.ClientHttpRequestFactory;

import io.connbalance.balance.ServiceBalancers;

/**
 * Spring Boot's {@link ClientHttpRequestFactoryBuilder}, decorated: every request factory
 * it builds (one per RestClient builder, RestTemplate or HTTP service group, each with
 * its own settings) is wrapped in a {@link ServiceClientHttpRequestFactory}, so that
 * service hosts go to pods and every other host through the factory Spring Boot would
 * have built.
 */
public final class ServiceRequestFactoryBuilder implements ClientHttpRequestFactoryBuilder<ClientHttpRequestFactory> {

	private final ClientHttpRequestFactoryBuilder<?> delegate;

	private final Set<String> services;

	private final Supplier<ServiceBalancers> balancers;

	private final Function<HttpClientSettings, ? extends PodClients<? extends PodClient>> clients;

	/**
	 * Decorates a builder.
	 * @param delegate the builder of every other host's factory
	 * @param services the service keys
	 * @param balancers the balancers, looked up on the first request for a service
	 * @param clients the per-pod clients for a factory's settings, looked up on the first
	 * request for a service
	 */
	public ServiceRequestFactoryBuilder(ClientHttpRequestFactoryBuilder<?> delegate, Set<String> services,
			Supplier<ServiceBalancers> balancers,
			Function<HttpClientSettings, ? extends PodClients<? extends PodClient>> clients) {
		this.delegate = delegate;
		this.services = Set.copyOf(services);
		this.balancers = balancers;
		this.clients = clients;
	}

	@Override
	public ClientHttpRequestFactory build(HttpClientSettings settings) {
		return new ServiceClientHttpRequestFactory(this.delegate.build(settings), this.services, this.balancers,
				() -> this.clients.apply(settings));
	}

}
