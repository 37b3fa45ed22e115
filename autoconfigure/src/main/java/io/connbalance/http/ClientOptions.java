package io.connbalance.http;

import java.time.Duration;

import org.springframework.boot.http.client.HttpClientSettings;

/**
 * Settings of the per-pod HTTP clients.
 *
 * @param connectTimeout the connect timeout, or {@code null} for the library default
 * @param readTimeout the response timeout, or {@code null} for none
 * @param maxConnectionsPerPod the most connections held open to one pod
 * @param poolAcquireTimeout how long a request waits for a free connection of its pod's
 * pool before it goes to another pod
 */
public record ClientOptions(Duration connectTimeout, Duration readTimeout, int maxConnectionsPerPod,
		Duration poolAcquireTimeout) {

	public ClientOptions {
		if (maxConnectionsPerPod < 1) {
			throw new IllegalArgumentException("'maxConnectionsPerPod' must be positive");
		}
	}

	/**
	 * These settings for Spring Boot's client builders.
	 * @return the settings
	 */
	public HttpClientSettings settings() {
		return HttpClientSettings.defaults().withTimeouts(this.connectTimeout, this.readTimeout);
	}

}
