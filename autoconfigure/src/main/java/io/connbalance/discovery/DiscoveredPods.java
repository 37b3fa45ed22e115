package io.connbalance.discovery;

import java.util.List;
import java.util.Objects;

import io.connbalance.pod.Pod;

/**
 * The pods a source found for one service.
 *
 * @param source where they came from, for example {@code kubernetes} or {@code simple}
 * @param pods the pods
 */
public record DiscoveredPods(String source, List<Pod> pods) {

	public DiscoveredPods {
		Objects.requireNonNull(source, "'source' must not be null");
		pods = List.copyOf(pods);
	}

}
