package io.connbalance.pod;

import java.util.Set;

/**
 * Where a pod runs and which clients Kubernetes hints it for, from its EndpointSlice
 * endpoint.
 *
 * @param node the node the pod runs on, or {@code null} when unknown
 * @param forZones the zones whose clients should use it ({@code hints.forZones}), empty
 * when the endpoint has no zone hints
 * @param forNodes the nodes whose clients should use it ({@code hints.forNodes}), empty
 * when the endpoint has no node hints
 */
public record Topology(String node, Set<String> forZones, Set<String> forNodes) {

	/** Nothing known. */
	public static final Topology NONE = new Topology(null, Set.of(), Set.of());

	public Topology {
		forZones = (forZones != null) ? Set.copyOf(forZones) : Set.of();
		forNodes = (forNodes != null) ? Set.copyOf(forNodes) : Set.of();
	}

}
