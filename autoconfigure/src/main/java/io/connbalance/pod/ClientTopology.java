package io.connbalance.pod;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where this client runs: its zone and node, and when known its peers (the pods of the
 * client's own Service, itself included), which deterministic subsetting and zone-aware
 * spill need. Set from configuration, or learned in a cluster; listeners hear of every
 * change.
 */
public final class ClientTopology {

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	private volatile Placement placement;

	/**
	 * Creates a topology.
	 * @param placement what is known now
	 */
	public ClientTopology(Placement placement) {
		this.placement = Objects.requireNonNull(placement, "'placement' must not be null");
	}

	/**
	 * What is known now.
	 * @return the placement
	 */
	public Placement placement() {
		return this.placement;
	}

	/**
	 * Takes what is known now; listeners are told when it changed.
	 * @param placement the placement
	 */
	public void update(Placement placement) {
		if (!placement.equals(this.placement)) {
			this.placement = placement;
			this.listeners.forEach(Runnable::run);
		}
	}

	/**
	 * Adds a listener told after each change.
	 * @param listener the listener
	 */
	public void addListener(Runnable listener) {
		this.listeners.add(listener);
	}

	/**
	 * Where this client runs.
	 *
	 * @param zone its zone, or {@code null} when unknown
	 * @param node its node, or {@code null} when unknown
	 * @param self its own pod name, or {@code null} when unknown
	 * @param peers the names of the pods of its own Service, sorted, itself included;
	 * empty when unknown
	 * @param peerZones how many of the peers run in each zone; empty when unknown
	 */
	public record Placement(String zone, String node, String self, List<String> peers, Map<String, Integer> peerZones) {

		/** Nothing known. */
		public static final Placement UNKNOWN = new Placement(null, null, null, List.of(), Map.of());

		public Placement {
			peers = List.copyOf(peers);
			peerZones = Map.copyOf(peerZones);
		}

		/**
		 * A placement with a zone and node alone.
		 * @param zone the zone, or {@code null}
		 * @param node the node, or {@code null}
		 * @return the placement
		 */
		public static Placement of(String zone, String node) {
			return new Placement(zone, node, null, List.of(), Map.of());
		}

		/**
		 * This client's position among its peers.
		 * @return its index in {@link #peers()}, or -1 when the peers are unknown
		 */
		public int index() {
			return (this.self != null) ? this.peers.indexOf(this.self) : -1;
		}

	}

}
