package io.connbalance.balance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

import io.connbalance.pod.ClientTopology.Placement;
import io.connbalance.pod.Pod;
import io.connbalance.stats.PodStats;

/**
 * Which of a service's ready pods this client uses, and which it prefers: the local pods
 * (by the service's {@link Locality}) and the remote ones. With a subset size the local
 * pods are cut to it, and the remote ones to what is left of it, so that the client never
 * uses more pods than the subset size. Immutable; made again when the pods or the
 * client's placement change.
 * <p>
 * While some local pods are usable a pick goes to a local pod with probability
 * {@code localShare * min(1, 1.4 * usable / local)}, else to a remote one: Envoy's
 * overprovisioning factor lets a zone lose up to 29% of its pods (to ejection) before
 * traffic spills, then spills in proportion; with no usable local pod everything goes to
 * the remote ones. {@code localShare} is below 1 only with {@code prefer-zone} when the
 * client knows how its peers spread over the zones: when its zone holds a larger share of
 * the clients than of the pods, only its pods' share over its clients' share stays local
 * (Envoy's zone-aware routing), and the residual goes to the remote pods evenly.
 */
public final class PodSelection {

	/** Envoy's overprovisioning factor. */
	static final double OVERPROVISIONING = 1.4;

	static final PodSelection EMPTY = new PodSelection(List.of(), List.of(), 1.0, false, 0);

	private final List<PodStats> local;

	private final List<PodStats> remote;

	private final List<PodStats> all;

	private final double localShare;

	private final boolean subset;

	/** The local pods of the selection this one was restricted from: the spill's base. */
	private final int localSize;

	/** Made on first use: the pickers' restricted selections never need them. */
	private volatile Set<PodStats> localSet;

	private volatile Set<PodStats> allSet;

	private PodSelection(List<PodStats> local, List<PodStats> remote, double localShare, boolean subset,
			int localSize) {
		this.local = List.copyOf(local);
		this.remote = List.copyOf(remote);
		if (remote.isEmpty()) {
			this.all = this.local;
		}
		else {
			List<PodStats> all = new ArrayList<>(local);
			all.addAll(remote);
			this.all = List.copyOf(all);
		}
		this.localShare = localShare;
		this.subset = subset;
		this.localSize = localSize;
	}

	/**
	 * The selection of a service's ready pods.
	 * @param ready the ready pods, sorted by name
	 * @param options the service's locality and subset size
	 * @param placement where this client runs
	 * @param seed this client's seed for hash-based subsets
	 * @return the selection
	 */
	static PodSelection of(List<PodStats> ready, BalancingOptions options, Placement placement, long seed) {
		List<PodStats> local = local(ready, options.locality(), placement);
		List<PodStats> remote = (local.size() == ready.size()) ? List.of() : without(ready, identitySet(local));
		double localShare = 1.0;
		if (options.locality() == Locality.PREFER_ZONE && !remote.isEmpty()) {
			localShare = zoneAwareShare(local.size(), ready.size(), placement);
		}
		int size = options.subsetSize();
		if (size <= 0) {
			return new PodSelection(local, remote, localShare, false, local.size());
		}
		// the local pods are those of the client's zone when it prefers some: its peers
		// there share them
		boolean byZone = !remote.isEmpty() && placement.zone() != null;
		List<PodStats> localSubset = subset(local, size, placement, byZone ? placement.zone() : null, seed);
		List<PodStats> remoteSubset = subset(remote, size - localSubset.size(), placement, null, seed);
		return new PodSelection(localSubset, remoteSubset, localShare, true, localSubset.size());
	}

	private static List<PodStats> local(List<PodStats> ready, Locality locality, Placement placement) {
		if (ready.isEmpty() || locality == Locality.OFF) {
			return ready;
		}
		if (locality == Locality.PREFER_ZONE) {
			return (placement.zone() != null) ? orAll(ready, (pod) -> placement.zone().equals(pod.zone())) : ready;
		}
		// as kube-proxy: node hints when every endpoint has them and one is for this
		// node, else zone hints when every endpoint has them; no endpoint hinted for this
		// client means every one
		if (placement.node() != null
				&& ready.stream().allMatch((stats) -> !stats.pod().topology().forNodes().isEmpty())) {
			List<PodStats> hinted = orAll(ready, (pod) -> pod.topology().forNodes().contains(placement.node()));
			if (hinted != ready) {
				return hinted;
			}
		}
		if (placement.zone() != null
				&& ready.stream().allMatch((stats) -> !stats.pod().topology().forZones().isEmpty())) {
			return orAll(ready, (pod) -> pod.topology().forZones().contains(placement.zone()));
		}
		return ready;
	}

	/** The pods that match, or all of them when none does. */
	private static List<PodStats> orAll(List<PodStats> ready, Predicate<Pod> matches) {
		List<PodStats> matching = ready.stream().filter((stats) -> matches.test(stats.pod())).toList();
		return matching.isEmpty() ? ready : matching;
	}

	/**
	 * Envoy's zone-aware routing: the share of requests kept in the client's zone is its
	 * share of the pods over its share of the clients, at most 1.
	 */
	private static double zoneAwareShare(int localPods, int allPods, Placement placement) {
		Map<String, Integer> clientsPerZone = placement.clientsPerZone();
		Integer clientsHere = clientsPerZone.get(placement.zone());
		int clients = clientsPerZone.values().stream().mapToInt(Integer::intValue).sum();
		if (clientsHere == null || clientsHere == 0 || clients == 0) {
			return 1.0;
		}
		double podShare = (double) localPods / allPods;
		double clientShare = (double) clientsHere / clients;
		return Math.min(1.0, podShare / clientShare);
	}

	/**
	 * A subset: an aperture when the client knows its place among its peers (those of a
	 * zone, for the pods of that zone), else its own hash-based one.
	 */
	private static List<PodStats> subset(List<PodStats> pods, int size, Placement placement, String zone, long seed) {
		if (size <= 0) {
			return List.of();
		}
		List<String> peers = (zone != null) ? placement.peersIn(zone) : placement.peers();
		int index = (placement.self() != null) ? peers.indexOf(placement.self()) : -1;
		if (index >= 0) {
			return Subsets.aperture(pods, size, index, peers.size());
		}
		return Subsets.rendezvous(pods, size, seed, (stats) -> stats.pod().address());
	}

	private static List<PodStats> without(List<PodStats> pods, Set<PodStats> left) {
		return pods.stream().filter((pod) -> !left.contains(pod)).toList();
	}

	private static Set<PodStats> identitySet(List<PodStats> pods) {
		Set<PodStats> set = Collections.newSetFromMap(new IdentityHashMap<>());
		set.addAll(pods);
		return set;
	}

	/**
	 * A selection of some pods, all alike (no locality, no subset).
	 * @param pods the pods
	 * @return the selection
	 */
	public static PodSelection of(List<PodStats> pods) {
		return new PodSelection(pods, List.of(), 1.0, false, pods.size());
	}

	/**
	 * Whether the selection has no pod.
	 * @return {@code true} when empty
	 */
	public boolean isEmpty() {
		return this.all.isEmpty();
	}

	/**
	 * Every pod this client uses: the local ones, then the remote ones.
	 * @return the pods
	 */
	List<PodStats> all() {
		return this.all;
	}

	/**
	 * Whether the client prefers some pods over others.
	 * @return {@code true} when there are remote pods
	 */
	boolean prefers() {
		return !this.remote.isEmpty();
	}

	/**
	 * Whether the pods were cut to a subset size.
	 * @return {@code true} with a subset size
	 */
	boolean isSubset() {
		return this.subset;
	}

	boolean isLocal(PodStats pod) {
		Set<PodStats> set = this.localSet;
		if (set == null) {
			set = identitySet(this.local);
			this.localSet = set;
		}
		return set.contains(pod);
	}

	/** Whether requests may go to a pod: it is one of {@link #all()}. */
	boolean uses(PodStats pod) {
		Set<PodStats> set = this.allSet;
		if (set == null) {
			set = identitySet(this.all);
			this.allSet = set;
		}
		return set.contains(pod);
	}

	double localShare() {
		return this.localShare;
	}

	/**
	 * The pods a pick goes to: the local ones or, by the spill rule, the remote ones.
	 * @param usable how many local pods are usable (not ejected)
	 * @param random the source of the spill's coin
	 * @return the candidates
	 */
	List<PodStats> candidates(int usable, RandomGenerator random) {
		if (this.remote.isEmpty()) {
			return this.local;
		}
		if (usable == 0 || this.local.isEmpty()) {
			return this.remote;
		}
		double share = this.localShare * Math.min(1.0, OVERPROVISIONING * usable / Math.max(1, this.localSize));
		return (share >= 1.0 || random.nextDouble() < share) ? this.local : this.remote;
	}

	/**
	 * This selection among some of its pods only (those a gRPC channel holds a ready
	 * connection to), with the same share kept local and the same base for the spill.
	 * @param pods the pods
	 * @return the selection
	 */
	PodSelection restrictTo(List<PodStats> pods) {
		if (!this.subset && this.remote.isEmpty()) {
			return of(pods);
		}
		Set<PodStats> kept = identitySet(pods);
		return new PodSelection(this.local.stream().filter(kept::contains).toList(),
				this.remote.stream().filter(kept::contains).toList(), this.localShare, this.subset, this.localSize);
	}

	/**
	 * This selection without one pod (for a retry after it failed).
	 * @param pod the pod
	 * @return the selection
	 */
	PodSelection without(PodStats pod) {
		Set<PodStats> left = Collections.newSetFromMap(new IdentityHashMap<>());
		left.add(pod);
		return new PodSelection(without(this.local, left), without(this.remote, left), this.localShare, this.subset,
				this.localSize);
	}

	List<PodStats> local() {
		return this.local;
	}

	List<PodStats> remote() {
		return this.remote;
	}

}
