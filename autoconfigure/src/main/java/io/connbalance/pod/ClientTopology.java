package io.connbalance.pod;

import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Where this client runs: its zone and node, and when known its peers (the pods of the
 * client's own Service, itself included), which deterministic subsetting and zone-aware
 * spill need. Set from configuration, or learned in a cluster; listeners hear of every
 * change.
 */
public final class ClientTopology {

	private static final Log logger = LogFactory.getLog(ClientTopology.class);

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
			for (Runnable listener : this.listeners) {
				try {
					listener.run();
				}
				catch (RuntimeException ex) {
					logger.warn("A listener of the client's placement failed", ex);
				}
			}
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
	 * @param peerZones the zone of each peer, by name; empty when unknown
	 */
	public record Placement(String zone, String node, String self, List<String> peers, Map<String, String> peerZones) {

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
		 * The peers in a zone, sorted.
		 * @param zone the zone
		 * @return their names, empty when their zones are unknown
		 */
		public List<String> peersIn(String zone) {
			return this.peers.stream().filter((peer) -> zone.equals(this.peerZones.get(peer))).toList();
		}

		/**
		 * How many peers run in each zone.
		 * @return the counts, empty when their zones are unknown
		 */
		public Map<String, Integer> clientsPerZone() {
			Map<String, Integer> counts = new TreeMap<>();
			this.peerZones.values().forEach((zone) -> counts.merge(zone, 1, Integer::sum));
			return counts;
		}

	}

}
