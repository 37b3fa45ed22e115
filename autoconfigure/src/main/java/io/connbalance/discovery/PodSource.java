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

}
