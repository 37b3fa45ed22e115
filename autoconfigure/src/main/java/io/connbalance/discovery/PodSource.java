package io.connbalance.discovery;

import io.connbalance.pod.ServiceTarget;

/**
 * Finds the pods of a service.
 */
@FunctionalInterface
public interface PodSource {

	/**
	 * Looks up the pods of a service now.
	 * @param target the service
	 * @return what was found
	 * @throws RuntimeException when discovery fails; callers keep the last good pods
	 */
	DiscoveredPods discover(ServiceTarget target);

	/**
	 * Starts watching for changes, if the source can; called once before the first
	 * {@link #discover(ServiceTarget)}.
	 * @param onChange to call when the pods of a service may have changed
	 */
	default void start(Runnable onChange) {
	}

	/**
	 * Stops watching.
	 */
	default void stop() {
	}

}
