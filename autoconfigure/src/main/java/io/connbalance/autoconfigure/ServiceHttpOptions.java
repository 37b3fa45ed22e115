package io.connbalance.autoconfigure;

import java.time.Duration;

import org.springframework.util.StringUtils;

/**
 * A service's HTTP settings as connbalance sets them: its own, else the defaults'.
 *
 * @param connect the connect timeout, or {@code null} when not set
 * @param read the read timeout, or {@code null} when not set
 * @param maxConnectionsPerPod the most connections per pod, or {@code null} when not set
 * @param sslBundle the name of the SSL bundle of its https requests, or {@code null}
 * @param http2 whether requests use HTTP/2
 */
public record ServiceHttpOptions(Duration connect, Duration read, Integer maxConnectionsPerPod, String sslBundle,
		boolean http2) {

	/** Nothing set. */
	public static final ServiceHttpOptions UNSET = new ServiceHttpOptions(null, null, null, null, false);

	/**
	 * Checks and resolves the timeouts of a level (the defaults, or a service).
	 * @param prefix the properties' prefix, for messages
	 * @param connect the connect timeout set there, or {@code null}
	 * @param read the read timeout set there, or {@code null}
	 * @param fallback what applies where nothing is set
	 * @return the options
	 * @throws InvalidConfigurationException naming an invalid property
	 */
	static ServiceHttpOptions timeouts(String prefix, Duration connect, Duration read, ServiceHttpOptions fallback) {
		if (connect != null && (connect.isZero() || connect.isNegative())) {
			throw new InvalidConfigurationException(prefix + ".connect-timeout", "must be positive, was " + connect,
					"Set a duration such as 1s, or remove it for the default.");
		}
		if (read != null && (read.isZero() || read.isNegative())) {
			throw new InvalidConfigurationException(prefix + ".read-timeout", "must be positive, was " + read,
					"Set a duration such as 5s, or remove it for no limit.");
		}
		return new ServiceHttpOptions((connect != null) ? connect : fallback.connect(),
				(read != null) ? read : fallback.read(), fallback.maxConnectionsPerPod(), fallback.sslBundle(),
				fallback.http2());
	}

	/**
	 * Checks and resolves a service's settings.
	 * @param prefix the service's properties' prefix, for messages
	 * @param service the service's properties
	 * @param defaults the defaults' options
	 * @return the options
	 * @throws InvalidConfigurationException naming an invalid property
	 */
	static ServiceHttpOptions of(String prefix, ConnbalanceProperties.Service service, ServiceHttpOptions defaults) {
		ServiceHttpOptions timeouts = timeouts(prefix, service.getConnectTimeout(), service.getReadTimeout(), defaults);
		Integer max = service.getMaxConnectionsPerPod();
		if (max != null && max < 1) {
			throw new InvalidConfigurationException(prefix + ".max-connections-per-pod",
					"must be at least 1, was " + max,
					"Set a positive number, or remove it for connbalance.http.max-connections-per-pod.");
		}
		String bundle = service.getSslBundle();
		if (bundle != null && !StringUtils.hasText(bundle)) {
			throw new InvalidConfigurationException(prefix + ".ssl-bundle", "must name an SSL bundle, was empty",
					"Set the name of a spring.ssl.bundle entry, or remove it.");
		}
		return new ServiceHttpOptions(timeouts.connect(), timeouts.read(), max, bundle, service.getHttp2().isEnabled());
	}

}
