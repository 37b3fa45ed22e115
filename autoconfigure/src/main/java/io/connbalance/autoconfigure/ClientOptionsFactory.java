package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

import io.connbalance.http.ClientOptions;
import io.connbalance.pod.ServiceTarget;

/**
 * Per-pod HTTP client settings of each service: its own, else connbalance's defaults,
 * else Spring Boot's {@code spring.http.clients.*}, else connbalance's connect timeout of
 * {@link #CONNECT_TIMEOUT} and no read timeout; its pool size, else connbalance's (1 with
 * HTTP/2, whose one connection carries concurrent requests); its SSL bundle, else Spring
 * Boot's, else the JVM's trust store.
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

	static Map<String, ClientOptions> create(ConnbalanceSettings settings, ObjectProvider<HttpClientSettings> http,
			ObjectProvider<SslBundles> sslBundles) {
		return create(settings, http, sslBundles, true);
	}

	/**
	 * The options of each service's plain TCP connections (RSocket): TLS only with a
	 * bundle of the service's own, as Boot's HTTP clients' bundle says nothing of them.
	 * @param settings the settings
	 * @param http Spring Boot's HTTP client settings
	 * @param sslBundles the SSL bundles
	 * @return the options by service key
	 */
	static Map<String, ClientOptions> createForTcp(ConnbalanceSettings settings,
			ObjectProvider<HttpClientSettings> http, ObjectProvider<SslBundles> sslBundles) {
		return create(settings, http, sslBundles, false);
	}

	private static Map<String, ClientOptions> create(ConnbalanceSettings settings,
			ObjectProvider<HttpClientSettings> http, ObjectProvider<SslBundles> sslBundles, boolean bootsBundle) {
		HttpClientSettings boot = http.getIfAvailable(HttpClientSettings::defaults);
		Map<String, ClientOptions> byService = new LinkedHashMap<>();
		for (ServiceTarget service : settings.services()) {
			ServiceHttpOptions options = settings.http(service.key());
			int maxConnections = (options.maxConnectionsPerPod() != null) ? options.maxConnectionsPerPod()
					: (options.http2() ? 1 : settings.maxConnectionsPerPod());
			byService.put(service.key(),
					new ClientOptions(first(options.connect(), first(boot.connectTimeout(), CONNECT_TIMEOUT)),
							first(options.read(), boot.readTimeout()), maxConnections, settings.poolAcquireTimeout(),
							(options.sslBundle() != null || bootsBundle)
									? sslBundle(service.key(), options.sslBundle(), sslBundles, boot) : null,
							options.http2()));
		}
		return Map.copyOf(byService);
	}

	private static SslBundle sslBundle(String key, String name, ObjectProvider<SslBundles> sslBundles,
			HttpClientSettings boot) {
		if (name == null) {
			return boot.sslBundle();
		}
		String property = "connbalance.services." + key + ".ssl-bundle";
		SslBundles bundles = sslBundles.getIfAvailable();
		if (bundles == null) {
			throw new InvalidConfigurationException(property,
					"names SSL bundle '" + name + "', but the application has no SSL bundles",
					"Define it under spring.ssl.bundle.pem." + name + " or spring.ssl.bundle.jks." + name + ".");
		}
		try {
			return bundles.getBundle(name);
		}
		catch (NoSuchSslBundleException ex) {
			throw new InvalidConfigurationException(property,
					"names SSL bundle '" + name + "', which does not exist (bundles: "
							+ new TreeSet<>(bundles.getBundleNames()) + ")",
					"Define it under spring.ssl.bundle.pem." + name + " or spring.ssl.bundle.jks." + name
							+ ", or use one of the bundles.");
		}
	}

	private static Duration first(Duration value, Duration fallback) {
		return (value != null) ? value : fallback;
	}

}
