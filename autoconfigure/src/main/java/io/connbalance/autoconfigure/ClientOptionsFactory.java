package io.connbalance.autoconfigure;

import io.connbalance.http.ClientOptions;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.http.client.HttpClientSettings;

/**
 * Per-pod HTTP client settings: Spring Boot's {@code spring.http.clients.*} timeouts and
 * connbalance's pool size.
 */
final class ClientOptionsFactory {

	private ClientOptionsFactory() {
	}

	static ClientOptions create(ConnbalanceProperties properties, ObjectProvider<HttpClientSettings> settings) {
		HttpClientSettings http = settings.getIfAvailable(HttpClientSettings::defaults);
		return new ClientOptions(http.connectTimeout(), http.readTimeout(),
				properties.getHttp().getMaxConnectionsPerPod());
	}

}
