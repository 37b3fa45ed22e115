package io.connbalance.pod;

import java.util.Locale;

/**
 * Whether a pod takes new work.
 */
public enum PodState {

	/** The pod takes new requests and connections. */
	READY,

	/**
	 * The pod finishes the work it has but takes no new work (removed or terminating).
	 */
	DRAINING,

	/** The pod is kept out of rotation because it failed. */
	EJECTED;

	/**
	 * The name used in configuration and in the actuator endpoint ({@code ready}, ...).
	 * @return the lower-case name
	 */
	public String value() {
		return name().toLowerCase(Locale.ROOT);
	}

}
