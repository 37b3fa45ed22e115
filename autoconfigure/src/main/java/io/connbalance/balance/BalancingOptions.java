package io.connbalance.balance;

import java.time.Duration;
import java.util.Objects;

/**
 * How one service's balancer treats failing and new pods, beside its strategy.
 *
 * @param outlierEjection when failing pods are taken out of rotation
 * @param slowStart the window over which a pod that joins a running service ramps up from
 * 10% to its full share of requests; zero for no ramp
 * @param retries how many times a request whose connection failed before a response is
 * sent again to another pod: any request that could not connect, and idempotent HTTP
 * requests whose connection failed after they were sent
 * @param locality which pods the client prefers by where they run
 * @param subsetSize the most pods this client uses (within its locality), 0 for all
 */
public record BalancingOptions(OutlierEjection outlierEjection, Duration slowStart, int retries, Locality locality,
		int subsetSize) {

	/** Ejection on, no slow start, one retry, hints followed, no subset. */
	public static final BalancingOptions DEFAULTS = new BalancingOptions(OutlierEjection.DEFAULTS, Duration.ZERO, 1);

	public BalancingOptions {
		Objects.requireNonNull(outlierEjection, "'outlierEjection' must not be null");
		Objects.requireNonNull(slowStart, "'slowStart' must not be null");
		Objects.requireNonNull(locality, "'locality' must not be null");
	}

	/**
	 * Options that follow the Service's hints and use every pod.
	 * @param outlierEjection when failing pods are taken out of rotation
	 * @param slowStart the slow-start window, zero for none
	 * @param retries retries on another pod
	 */
	public BalancingOptions(OutlierEjection outlierEjection, Duration slowStart, int retries) {
		this(outlierEjection, slowStart, retries, Locality.HINTS, 0);
	}

}
