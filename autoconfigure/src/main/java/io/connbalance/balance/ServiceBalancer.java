package io.connbalance.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.connbalance.pod.Pod;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.PodStats;

/**
 * Chooses a pod per request for one service and keeps each pod's counters, including
 * those of pods that have left and are still finishing their requests.
 */
public final class ServiceBalancer implements PodStats.DrainListener {

	private static final int ATTEMPTS = 3;

	private final String service;

	private final BalancingStrategy strategy;

	private final Map<String, PodStats> pods = new ConcurrentHashMap<>();

	private final List<PodStats.DrainListener> drainListeners = new CopyOnWriteArrayList<>();

	private volatile List<PodStats> ready = List.of();

	/**
	 * Creates a balancer with no pods.
	 * @param service the service key
	 * @param strategy the strategy, used by this service only
	 */
	public ServiceBalancer(String service, BalancingStrategy strategy) {
		this.service = service;
		this.strategy = strategy;
	}

	/**
	 * The service key.
	 * @return the key
	 */
	public String service() {
		return this.service;
	}

	/**
	 * The strategy.
	 * @return the strategy
	 */
	public BalancingStrategy strategy() {
		return this.strategy;
	}

	/**
	 * Chooses a pod and counts a request to it as started. The caller must call
	 * {@link PodStats#end(boolean)} once the request has finished.
	 * @return the pod's counters
	 * @throws NoPodAvailableException if no pod is ready
	 */
	public PodStats acquire() {
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			PodStats chosen = choose();
			if (chosen.begin()) {
				return chosen;
			}
			// It drained between reading the ready list and counting: choose again.
		}
		throw new NoPodAvailableException(this.service);
	}

	/**
	 * Chooses a pod without counting a request.
	 * @return the pod's counters
	 * @throws NoPodAvailableException if no pod is ready
	 */
	public PodStats choose() {
		List<PodStats> candidates = this.ready;
		if (candidates.isEmpty()) {
			throw new NoPodAvailableException(this.service);
		}
		return this.strategy.choose(candidates);
	}

	/**
	 * The counters of a pod this service knows, by address.
	 * @param address the pod's {@code host:port}
	 * @return the counters, or {@code null}
	 */
	public PodStats find(String address) {
		return this.pods.get(address);
	}

	/**
	 * Every pod known: those in the service and those still draining, sorted by name.
	 * @return the counters
	 */
	public List<PodStats> pods() {
		List<PodStats> all = new ArrayList<>(this.pods.values());
		all.sort(Comparator.comparing(PodStats::pod));
		return all;
	}

	/**
	 * Adds a listener told when a pod that left has finished its last request.
	 * @param listener the listener
	 */
	public void addDrainListener(PodStats.DrainListener listener) {
		this.drainListeners.add(listener);
	}

	/**
	 * Takes the service's new pods: new pods get counters, pods that left retire.
	 * @param snapshot the current pods
	 */
	public synchronized void update(ServicePods snapshot) {
		Set<String> present = new HashSet<>();
		List<PodStats> nowReady = new ArrayList<>();
		for (Pod pod : snapshot.pods()) {
			present.add(pod.address());
			PodStats stats = this.pods.compute(pod.address(), (address, existing) -> {
				if (existing == null || !existing.reinstate()) {
					return new PodStats(pod, this);
				}
				existing.update(pod);
				return existing;
			});
			if (pod.isReady()) {
				nowReady.add(stats);
			}
		}
		this.ready = List.copyOf(nowReady);
		for (PodStats stats : List.copyOf(this.pods.values())) {
			if (!present.contains(stats.pod().address()) && !stats.isRetired()) {
				stats.retire();
			}
		}
	}

	@Override
	public void drained(PodStats stats) {
		this.pods.remove(stats.pod().address(), stats);
		this.drainListeners.forEach((listener) -> listener.drained(stats));
	}

}
