package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.connbalance.http.ClientOptions;
import io.connbalance.pod.ServiceTarget;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.http.client.HttpClientSettings;

/**
 * Per-pod HTTP client settings of each service: its own timeouts, else connbalance's
 * defaults, else Spring Boot's {@code spring.http.clients.*}, else connbalance's connect
 * timeout of {@link #CONNECT_TIMEOUT} and no read timeout; and connbalance's pool size.
 */
final class ClientOptionsFactory {

	/**
	 * Within a cluster a connect takes well under a millisecond; the libraries' own
	 * defaults (30 s, 3 min) would hold a request to an unreachable pod for that long
	 * before it is sent to another pod.
	 */
	static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

	private ClientOptionsFactory() {
	}

	static Map<String, ClientOptions> create(ConnbalanceSettings settings, ObjectProvider<HttpClientSettings> http) {
		HttpClientSettings boot = http.getIfAvailable(HttpClientSettings::defaults);
		Map<String, ClientOptions> byService = new LinkedHashMap<>();
		for (ServiceTarget service : settings.services()) {
			ConnbalanceSettings.Timeouts timeouts = settings.timeouts(service.key());
			byService.put(service.key(),
					new ClientOptions(first(timeouts.connect(), first(boot.connectTimeout(), CONNECT_TIMEOUT)),
							first(timeouts.read(), boot.readTimeout()), settings.maxConnectionsPerPod(),
							settings.poolAcquireTimeout()));
		}
		return Map.copyOf(byService);
	}

	private static Duration first(Duration value, Duration fallback) {
		return (value != null) ? value : fallback;
	}

}
