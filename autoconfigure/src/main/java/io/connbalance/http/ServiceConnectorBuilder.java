package io.connbalance.http;

import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.http.client.reactive.ClientHttpConnector;

import io.connbalance.balance.ServiceBalancers;

/**
 * Spring Boot's {@link ClientHttpConnectorBuilder}, decorated: every connector it builds
 * (Spring Boot's connector bean, those of {@code WebClientSsl} and of HTTP service
 * groups, each with its own settings) is wrapped in a {@link ServiceClientHttpConnector},
 * so that service hosts go to pods and every other host through the connector Spring Boot
 * would have built.
 */
public final class ServiceConnectorBuilder implements ClientHttpConnectorBuilder<ClientHttpConnector> {

	private final ClientHttpConnectorBuilder<?> delegate;

	private final Set<String> services;

	private final Supplier<ServiceBalancers> balancers;

	private final Function<HttpClientSettings, PodClients<ReactorPodClient>> clients;

	/**
	 * Decorates a builder.
	 * @param delegate the builder of every other host's connector
	 * @param services the service keys
	 * @param balancers the balancers, looked up on the first request for a service
	 * @param clients the per-pod clients for a connector's settings, looked up on the
	 * first request for a service
	 */
	public ServiceConnectorBuilder(ClientHttpConnectorBuilder<?> delegate, Set<String> services,
			Supplier<ServiceBalancers> balancers, Function<HttpClientSettings, PodClients<ReactorPodClient>> clients) {
		this.delegate = delegate;
		this.services = Set.copyOf(services);
		this.balancers = balancers;
		this.clients = clients;
	}

	@Override
	public ClientHttpConnector build(HttpClientSettings settings) {
		return new ServiceClientHttpConnector(this.delegate.build(settings), this.services, this.balancers,
				() -> this.clients.apply(settings));
	}

}
