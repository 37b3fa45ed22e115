package io.connbalance.balance;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Which pods of a service a client prefers by where they run.
 */
public enum Locality {

	/**
	 * As kube-proxy does: when every endpoint of the service carries hints, the endpoints
	 * hinted for the client's node ({@code hints.forNodes}), else for its zone
	 * ({@code hints.forZones}); otherwise every endpoint.
	 */
	HINTS,

	/** The pods in the client's zone first, whatever the Service says. */
	PREFER_ZONE,

	/** Every zone alike. */
	OFF;

	/**
	 * The name in configuration and in the endpoint: {@code hints}, {@code prefer-zone},
	 * {@code off}.
	 * @return the name
	 */
	public String value() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/**
	 * Every name.
	 * @return the names
	 */
	public static List<String> names() {
		return Arrays.stream(values()).map(Locality::value).toList();
	}

	/**
	 * The locality of a name.
	 * @param value such as {@code prefer-zone}
	 * @return the locality, or {@code null} for an unknown name
	 */
	public static Locality of(String value) {
		for (Locality locality : values()) {
			if (locality.value().equals(value)) {
				return locality;
			}
		}
		return null;
	}

}
