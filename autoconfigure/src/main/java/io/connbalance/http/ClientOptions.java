package io.connbalance.http;

import java.time.Duration;

/**
 * Settings of the per-pod HTTP clients.
 *
 * @param connectTimeout the connect timeout, or {@code null} for the library default
 * @param readTimeout the response timeout, or {@code null} for none
 * @param maxConnectionsPerPod the most connections held open to one pod
 */
public record ClientOptions(Duration connectTimeout, Duration readTimeout, int maxConnectionsPerPod) {

	public ClientOptions {
		if (maxConnectionsPerPod < 1) {
			throw new IllegalArgumentException("'maxConnectionsPerPod' must be positive");
		}
	}

}
