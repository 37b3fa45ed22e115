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
 */
public record BalancingOptions(OutlierEjection outlierEjection, Duration slowStart, int retries) {

	/** Ejection on, no slow start, one retry. */
	public static final BalancingOptions DEFAULTS = new BalancingOptions(OutlierEjection.DEFAULTS, Duration.ZERO, 1);

	public BalancingOptions {
		Objects.requireNonNull(outlierEjection, "'outlierEjection' must not be null");
		Objects.requireNonNull(slowStart, "'slowStart' must not be null");
	}

}
