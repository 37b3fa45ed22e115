package io.connbalance.pod;

import java.util.Objects;

/**
 * One configured service, resolved from {@code connbalance.services.<key>} and
 * {@code connbalance.defaults}.
 *
 * @param key the logical name used in {@code http://<key>/} and
 * {@code connbalance:///<key>}
 * @param serviceId the discovery service id (the Kubernetes Service name)
 * @param portName the named port to use, or {@code null}
 * @param port the fixed port to use, or {@code null}
 * @param strategy the balancing strategy name
 */
public record ServiceTarget(String key, String serviceId, String portName, Integer port, String strategy) {

	public ServiceTarget {
		Objects.requireNonNull(key, "'key' must not be null");
		Objects.requireNonNull(serviceId, "'serviceId' must not be null");
		Objects.requireNonNull(strategy, "'strategy' must not be null");
	}

}
