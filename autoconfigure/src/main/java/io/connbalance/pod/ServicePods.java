package io.connbalance.pod;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An immutable snapshot of one service's pods, sorted by name.
 *
 * @param service the service key ({@code connbalance.services.<key>})
 * @param generation increases by one with every published change
 * @param pods the pods, sorted
 */
public record ServicePods(String service, long generation, List<Pod> pods) {

	public ServicePods {
		Objects.requireNonNull(service, "'service' must not be null");
		List<Pod> sorted = new ArrayList<>(pods);
		sorted.sort(null);
		pods = List.copyOf(sorted);
	}

	/**
	 * An empty snapshot at generation 0.
	 * @param service the service key
	 * @return the snapshot
	 */
	public static ServicePods empty(String service) {
		return new ServicePods(service, 0, List.of());
	}

	/**
	 * The next generation of this snapshot with other pods.
	 * @param pods the new pods
	 * @return the snapshot
	 */
	public ServicePods next(List<Pod> pods) {
		return new ServicePods(this.service, this.generation + 1, pods);
	}

	/**
	 * Whether these pods are the same as the given ones, whatever their order.
	 * @param others the pods to compare with
	 * @return {@code true} if equal as sorted lists
	 */
	public boolean samePods(List<Pod> others) {
		List<Pod> sorted = new ArrayList<>(others);
		sorted.sort(null);
		return this.pods.equals(sorted);
	}

}
