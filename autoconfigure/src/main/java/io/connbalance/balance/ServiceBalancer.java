package io.connbalance.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.connbalance.pod.ClientTopology;
import io.connbalance.pod.ClientTopology.Placement;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodState;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.Client;
import io.connbalance.stats.ConnectionCounter;
import io.connbalance.stats.DrainListener;
import io.connbalance.stats.FailureListener;
import io.connbalance.stats.PodStats;

/**
 * Chooses a pod per request for one service and keeps each pod's counters, including
 * those of pods that have left and are still finishing their requests.
 * <p>
 * Beside its strategy it applies the service's {@link BalancingOptions}: pods that keep
 * failing are ejected for a while ({@link OutlierDetector}), and pods that join a running
 * service ramp up over the slow-start window ({@link SlowStart}). While no pod is ejected
 * or ramping, a pick costs the strategy's pick and two volatile reads.
 */
public final class ServiceBalancer implements DrainListener, FailureListener {

	private static final Log logger = LogFactory.getLog(ServiceBalancer.class);

	private static final int ATTEMPTS = 3;

	private final String service;

	private final BalancingStrategy strategy;

	private final BalancingOptions options;

	private final LongSupplier clock;

	private final OutlierDetector outliers;

	private final SlowStart slowStart;

	/** Every pod known, by address: those in the service and those still draining. */
	private final Map<String, PodStats> pods = new ConcurrentHashMap<>();

	private final List<DrainListener> drainListeners = new CopyOnWriteArrayList<>();

	private final List<Consumer<PodStats>> podListeners = new CopyOnWriteArrayList<>();

	private final LongAdder retries = new LongAdder();

	private final List<Runnable> selectionListeners = new CopyOnWriteArrayList<>();

	private final ClientTopology topology;

	/** This client's seed for hash-based subsets. */
	private final long seed = ThreadLocalRandom.current().nextLong();

	private volatile List<PodStats> ready = List.of();

	private volatile PodSelection selection = PodSelection.EMPTY;

	/** The generation of the last snapshot taken, under this balancer's lock. */
	private long generation = -1;

	/**
	 * Creates a balancer with no pods.
	 * @param service the service key
	 * @param strategy the strategy, used by this service only
	 * @param options ejection, slow start and retries
	 */
	public ServiceBalancer(String service, BalancingStrategy strategy, BalancingOptions options) {
		this(service, strategy, options, System::nanoTime, () -> ThreadLocalRandom.current().nextLong());
	}

	/**
	 * Creates a balancer with no pods, a clock and a source of randomness.
	 * @param service the service key
	 * @param strategy the strategy, used by this service only
	 * @param options ejection, slow start and retries
	 * @param clock nanoseconds, as {@link System#nanoTime()}; also the pods' clock
	 * @param random decides which picks of a ramping pod are turned down
	 */
	public ServiceBalancer(String service, BalancingStrategy strategy, BalancingOptions options, LongSupplier clock,
			RandomGenerator random) {
		this(service, strategy, options, new ClientTopology(Placement.UNKNOWN), clock, random);
	}

	/**
	 * Creates a balancer with no pods, for a client whose placement may change.
	 * @param service the service key
	 * @param strategy the strategy, used by this service only
	 * @param options ejection, slow start, retries, locality and subset size
	 * @param topology where the client runs
	 * @param clock nanoseconds, as {@link System#nanoTime()}; also the pods' clock
	 * @param random decides which picks of a ramping pod are turned down
	 */
	public ServiceBalancer(String service, BalancingStrategy strategy, BalancingOptions options,
			ClientTopology topology, LongSupplier clock, RandomGenerator random) {
		this.topology = topology;
		this.service = service;
		this.strategy = strategy;
		this.options = options;
		this.clock = clock;
		this.outliers = new OutlierDetector(service, options.outlierEjection(), clock);
		this.slowStart = new SlowStart(options.slowStart(), random);
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
	 * The ejection, slow start and retry options.
	 * @return the options
	 */
	public BalancingOptions options() {
		return this.options;
	}

	/**
	 * Chooses a pod and counts a request to it as started. The caller must end it (as
	 * {@link PodStats#end(Client, long, boolean, boolean)}) once it has finished.
	 * @return the pod's counters
	 * @throws NoPodAvailableException if no pod is ready
	 */
	public PodStats acquire() {
		return acquire(null);
	}

	/**
	 * Chooses a pod other than one that has just failed, if there is another, and counts
	 * a request to it as started. The caller must end it (as
	 * {@link PodStats#end(Client, long, boolean, boolean)}) once it has finished. A call
	 * with a pod to avoid counts as a retry.
	 * @param avoid the pod to avoid, or {@code null}
	 * @return the pod's counters
	 * @throws NoPodAvailableException if no pod is ready
	 */
	public PodStats acquire(PodStats avoid) {
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			PodSelection selection = this.selection;
			PodStats chosen = choose(selection);
			if (chosen == avoid && selection.all().size() > 1) {
				// another pod, by the same rules: a local one while there are some
				chosen = choose(selection.without(avoid));
			}
			if (chosen.begin()) {
				if (avoid != null) {
					this.retries.increment();
				}
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
		return choose(this.selection);
	}

	/**
	 * Chooses one of the pods of a selection: a local one, or a remote one when the local
	 * ones are too few to keep (see {@link PodSelection}).
	 * @param selection the selection, this balancer's or one of {@link #select(List)}
	 * @return the pod's counters
	 * @throws NoPodAvailableException if there are no candidates
	 */
	public PodStats choose(PodSelection selection) {
		List<PodStats> all = selection.all();
		if (!selection.prefers()) {
			return choose(all, all);
		}
		List<PodStats> local = selection.local();
		int usable = this.outliers.anyEjected() ? this.outliers.usableCount(local, all) : local.size();
		return choose(selection.candidates(usable, ThreadLocalRandom.current()), all);
	}

	/**
	 * This client's selection among some pods (those a gRPC channel holds a ready
	 * connection to), to {@link #choose(PodSelection) choose} from.
	 * @param pods pods of this service
	 * @return the selection
	 */
	public PodSelection select(List<PodStats> pods) {
		return this.selection.restrictTo(pods);
	}

	/**
	 * Whether this client uses a pod: always, unless the service has a subset size and
	 * the pod is outside this client's subset.
	 * @param address the pod's address
	 * @return {@code true} when it is used
	 */
	public boolean isSelected(String address) {
		PodStats pod = this.pods.get(address);
		PodSelection selection = this.selection;
		return pod != null && (!selection.isSubset() || selection.uses(pod));
	}

	/**
	 * Whether a pod is local to this client (by the service's locality).
	 * @param pod the pod
	 * @return {@code true} when it is among the pods preferred
	 */
	public boolean isLocal(PodStats pod) {
		return this.selection.isLocal(pod);
	}

	/**
	 * Whether requests may go to a pod: it is ready and, with a subset size, in this
	 * client's subset.
	 * @param pod the pod
	 * @return {@code true} when requests may go to it
	 */
	public boolean isInUse(PodStats pod) {
		return this.selection.uses(pod);
	}

	/**
	 * Adds a listener told after each change of the pods this client uses (pods that
	 * joined or left, a new placement).
	 * @param listener the listener
	 */
	public void addSelectionListener(Runnable listener) {
		this.selectionListeners.add(listener);
	}

	/**
	 * Removes a listener of {@link #addSelectionListener(Runnable)}.
	 * @param listener the listener
	 */
	public void removeSelectionListener(Runnable listener) {
		this.selectionListeners.remove(listener);
	}

	/**
	 * Makes the selection again after the client's placement changed.
	 */
	public void placementChanged() {
		boolean changed;
		synchronized (this) {
			changed = select();
		}
		if (changed) {
			selectionChanged();
		}
	}

	/**
	 * Under this balancer's lock: makes the selection again, from the ready pods and the
	 * client's placement.
	 * @return whether the pods used or preferred changed
	 */
	private boolean select() {
		PodSelection previous = this.selection;
		PodSelection next = PodSelection.of(this.ready, this.options, this.topology.placement(), this.seed);
		this.selection = next;
		return !next.local().equals(previous.local()) || !next.remote().equals(previous.remote());
	}

	/** Tells the selection listeners, outside this balancer's lock. */
	private void selectionChanged() {
		for (Runnable listener : this.selectionListeners) {
			try {
				listener.run();
			}
			catch (RuntimeException ex) {
				logger.warn("A listener of service '" + this.service + "' failed on a new selection of pods", ex);
			}
		}
	}

	/**
	 * Chooses one of the given pods of this service (for example those a client holds a
	 * connection to) with the strategy, leaving out ejected pods and turning down some
	 * picks of pods in their slow start.
	 * @param candidates pods of this service
	 * @return the pod's counters
	 * @throws NoPodAvailableException if there are no candidates
	 */
	public PodStats choose(List<PodStats> candidates) {
		return choose(candidates, candidates);
	}

	/**
	 * Chooses among candidates, with panic judged over the population they are part of.
	 */
	private PodStats choose(List<PodStats> candidates, List<PodStats> population) {
		if (candidates.isEmpty()) {
			throw new NoPodAvailableException(this.service);
		}
		List<PodStats> usable = this.outliers.anyEjected() ? this.outliers.usable(candidates, population) : candidates;
		PodStats chosen = this.strategy.choose(usable);
		return this.slowStart.anyRamping() ? this.slowStart.ramp(chosen, usable, this.strategy, now()) : chosen;
	}

	/**
	 * A pod's weight in its slow start: from 10% when it joined to 100% at the end of the
	 * window, in a straight line.
	 * @param pod the pod
	 * @param now a clock reading
	 * @return 0.1 to 1; 1 when it is not ramping
	 */
	public double rampWeight(PodStats pod, long now) {
		return this.slowStart.weight(pod, now);
	}

	/**
	 * Whether a pod is in its slow start.
	 * @param pod the pod
	 * @return {@code true} while it ramps up
	 */
	boolean isRamping(PodStats pod) {
		return this.slowStart.isRamping(pod);
	}

	@Override
	public void failed(PodStats stats, int consecutive) {
		this.outliers.failed(stats, consecutive, this.ready);
	}

	/**
	 * Whether a pod is out of rotation now: ejected and its ejection not yet over.
	 * @param pod the pod
	 * @return {@code true} while ejected
	 */
	public boolean isEjected(PodStats pod) {
		return this.outliers.isEjected(pod);
	}

	/**
	 * A pod's state as the endpoint and the meters report it: {@code draining} once it
	 * has left, {@code ejected} while ejected or while a client kind cannot connect to
	 * it, else its state from discovery.
	 * @param pod the pod
	 * @param counters the connection counters of the client kinds present
	 * @return the state
	 */
	public PodState state(PodStats pod, List<ConnectionCounter> counters) {
		if (pod.isRetired()) {
			return PodState.DRAINING;
		}
		if (isEjected(pod)) {
			return PodState.EJECTED;
		}
		for (ConnectionCounter counter : counters) {
			if (counter.isUnreachable(this.service, pod.pod())) {
				return PodState.EJECTED;
			}
		}
		return pod.pod().state();
	}

	/** When a pod's ejection ends: a clock reading, or {@code null}. */
	Long ejectedUntil(PodStats pod) {
		return this.outliers.ejectedUntil(pod);
	}

	/**
	 * Whether the service is in panic: too few healthy pods, so ejection is set aside.
	 * @return {@code true} in panic
	 */
	public boolean isPanic() {
		return this.outliers.isPanic();
	}

	/**
	 * The time now on this balancer's clock.
	 * @return nanoseconds
	 */
	public long now() {
		return this.clock.getAsLong();
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
	 * Requests sent again to another pod after their pod failed them.
	 * @return the count
	 */
	public long retries() {
		return this.retries.sum();
	}

	/**
	 * Adds a listener told of the counters of each pod that joins (or returns after it
	 * drained, or is renamed), on the thread that updates the pods, before any request
	 * can choose it.
	 * @param listener the listener
	 */
	public void addPodListener(Consumer<PodStats> listener) {
		this.podListeners.add(listener);
	}

	/** Samples every pod's running total, for its count over the recent window. */
	void tick() {
		this.pods.values().forEach(PodStats::tick);
	}

	/**
	 * Adds a listener told when a pod that left has finished its last request.
	 * @param listener the listener
	 */
	public void addDrainListener(DrainListener listener) {
		this.drainListeners.add(listener);
	}

	/**
	 * Takes the service's new pods: new pods get counters (and a slow start, when the
	 * service already had ready pods), pods that left retire. A snapshot older than the
	 * last one taken is ignored.
	 * @param snapshot the current pods
	 */
	public void update(ServicePods snapshot) {
		if (take(snapshot)) {
			selectionChanged();
		}
	}

	/**
	 * Under this balancer's lock: takes a snapshot.
	 * @return whether the selection of pods changed
	 */
	private synchronized boolean take(ServicePods snapshot) {
		if (snapshot.generation() <= this.generation) {
			return false;
		}
		this.generation = snapshot.generation();
		long now = now();
		boolean slowStart = !this.ready.isEmpty() && this.slowStart.enabled();
		Set<String> present = new HashSet<>();
		List<PodStats> nowReady = new ArrayList<>();
		List<PodStats> joined = new ArrayList<>();
		for (Pod pod : snapshot.pods()) {
			present.add(pod.address());
			PodStats stats = this.pods.compute(pod.address(), (address, existing) -> {
				if (existing == null || !existing.reinstate()) {
					PodStats created = new PodStats(pod, this, this, this.clock);
					joined.add(created);
					if (slowStart && pod.isReady()) {
						this.slowStart.start(created, now);
					}
					return created;
				}
				if (!existing.pod().name().equals(pod.name())) {
					// the same address under another name: told as a new pod
					joined.add(existing);
				}
				existing.update(pod);
				return existing;
			});
			if (pod.isReady()) {
				nowReady.add(stats);
			}
		}
		// before any request can choose them
		joined.forEach((stats) -> this.podListeners.forEach((listener) -> tell(listener, stats)));
		this.ready = List.copyOf(nowReady);
		boolean changed = select();
		for (PodStats stats : List.copyOf(this.pods.values())) {
			if (!present.contains(stats.pod().address()) && !stats.isRetired()) {
				stats.retire();
			}
		}
		this.outliers.podsChanged();
		return changed;
	}

	@Override
	public void drained(PodStats stats) {
		this.pods.remove(stats.pod().address(), stats);
		this.outliers.forget(stats);
		this.slowStart.end(stats);
		this.drainListeners.forEach((listener) -> tell(listener::drained, stats));
	}

	/** A listener that fails must not fail an update of the pods, or a request. */
	private void tell(Consumer<PodStats> listener, PodStats stats) {
		try {
			listener.accept(stats);
		}
		catch (RuntimeException ex) {
			logger.warn("A listener of service '" + this.service + "' failed for pod " + stats.pod().name(), ex);
		}
	}

}
