package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.ssl.SslBundle;

import io.connbalance.http.ClientOptions;
import io.connbalance.http.PodClient;
import io.connbalance.http.PodClients;
import io.connbalance.pod.Pod;

/**
 * The pod clients for a transport that Spring Boot builds with settings of its own (a
 * client made with {@code RestClientSsl}/{@code WebClientSsl}, an HTTP service group):
 * the application's shared clients when those are the application's settings, else
 * clients that take that SSL bundle and those timeouts where connbalance sets none for
 * the service.
 *
 * @param <C> the client type
 */
final class PodClientsResolver<C extends PodClient> implements Function<HttpClientSettings, PodClients<C>> {

	private final Supplier<PodClients<C>> shared;

	private final Supplier<ConnbalanceSettings> settings;

	private final Supplier<HttpClientSettings> global;

	private final Supplier<Map<String, ClientOptions>> options;

	private final ClientFactory<C> factory;

	PodClientsResolver(Supplier<PodClients<C>> shared, Supplier<ConnbalanceSettings> settings,
			Supplier<HttpClientSettings> global, Supplier<Map<String, ClientOptions>> options,
			ClientFactory<C> factory) {
		this.shared = shared;
		this.settings = settings;
		this.global = global;
		this.options = options;
		this.factory = factory;
	}

	@Override
	public PodClients<C> apply(HttpClientSettings builder) {
		HttpClientSettings global = this.global.get();
		if (builder == null || (builder.sslBundle() == global.sslBundle()
				&& equal(builder.connectTimeout(), global.connectTimeout())
				&& equal(builder.readTimeout(), global.readTimeout()))) {
			return this.shared.get();
		}
		Variant variant = new Variant(builder.sslBundle(), builder.connectTimeout(), builder.readTimeout());
		return this.shared.get().variant(variant, () -> {
			Map<String, ClientOptions> overridden = new LinkedHashMap<>();
			this.options.get()
				.forEach((service, base) -> overridden.put(service,
						variant.apply(base, this.settings.get().http(service))));
			return (service, pod) -> this.factory.create(service, pod, overridden.get(service));
		});
	}

	private static boolean equal(Duration one, Duration other) {
		return (one != null) ? one.equals(other) : other == null;
	}

	/**
	 * Makes a pod's client.
	 *
	 * @param <C> the client type
	 */
	@FunctionalInterface
	interface ClientFactory<C extends PodClient> {

		C create(String service, Pod pod, ClientOptions options);

	}

	/**
	 * A client's own settings: they apply where connbalance sets none for the service.
	 */
	private record Variant(SslBundle sslBundle, Duration connectTimeout, Duration readTimeout) {

		ClientOptions apply(ClientOptions base, ServiceHttpOptions own) {
			SslBundle bundle = (own.sslBundle() == null && this.sslBundle != null) ? this.sslBundle : base.sslBundle();
			Duration connect = (own.connect() == null && this.connectTimeout != null) ? this.connectTimeout
					: base.connectTimeout();
			Duration read = (own.read() == null && this.readTimeout != null) ? this.readTimeout : base.readTimeout();
			return new ClientOptions(connect, read, base.maxConnectionsPerPod(), base.poolAcquireTimeout(), bundle,
					base.http2());
		}

	}

}
