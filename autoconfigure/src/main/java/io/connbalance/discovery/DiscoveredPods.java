package io.connbalance.discovery;

import java.util.List;
import java.util.Objects;

import io.connbalance.pod.Pod;

/**
 * The pods a source found for one service.
 *
 * @param source where they came from, for example {@code kubernetes} or {@code simple}
 * @param pods the pods
 * @param authoritative whether no pods means that the service has none (as the
 * EndpointSlices of a Service scaled to zero say), rather than that discovery may have
 * missed them (as a DiscoveryClient's empty answer may)
 * @param staleReason why these pods may be out of date (the source has lost its
 * connection and answers from what it last saw), or {@code null} when they are current
 */
public record DiscoveredPods(String source, List<Pod> pods, boolean authoritative, String staleReason) {

	public DiscoveredPods {
		Objects.requireNonNull(source, "'source' must not be null");
		pods = List.copyOf(pods);
	}

	/**
	 * Pods from a source whose empty answer may be a miss.
	 * @param source where they came from
	 * @param pods the pods
	 */
	public DiscoveredPods(String source, List<Pod> pods) {
		this(source, pods, false, null);
	}

	/**
	 * Current pods.
	 * @param source where they came from
	 * @param pods the pods
	 * @param authoritative whether no pods means that the service has none
	 */
	public DiscoveredPods(String source, List<Pod> pods, boolean authoritative) {
		this(source, pods, authoritative, null);
	}

}
