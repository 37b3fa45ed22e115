package io.connbalance.balance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import io.connbalance.pod.Pod;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.PodStats;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Chooses a pod per request for one service and keeps each pod's counters, including
 * those of pods that have left and are still finishing their requests.
 * <p>
 * Beside its strategy it applies the service's {@link BalancingOptions}: pods that keep
 * failing are ejected for a while ({@link OutlierEjection}), and pods that join a running
 * service ramp up over the slow-start window. While no pod is ejected or ramping, a pick
 * costs the strategy's pick and two volatile reads.
 */
public final class ServiceBalancer implements PodStats.DrainListener, PodStats.FailureListener {

	private static final Log logger = LogFactory.getLog(ServiceBalancer.class);

	private static final int ATTEMPTS = 3;

	/** Picks of a ramping pod that may be turned down before one is accepted. */
	private static final int RAMP_ATTEMPTS = 4;

	/** The share of its full weight a pod starts its slow start with. */
	private static final double MIN_RAMP_WEIGHT = 0.1;

	private final String service;

	private final BalancingStrategy strategy;

	private final BalancingOptions options;

	private final LongSupplier clock;

	private final RandomGenerator random;

	private final Map<String, PodStats> pods = new ConcurrentHashMap<>();

	private final List<PodStats.DrainListener> drainListeners = new CopyOnWriteArrayList<>();

	private volatile List<PodStats> ready = List.of();

	/** Ejected pods, counted under this balancer's lock. */
	private volatile int ejected;

	/** Ramping pods, counted under this balancer's lock. */
	private volatile int ramping;

	/** The earliest end of an ejection. */
	private volatile long nextReturn;

	/** Changes with every ejection, return and update, under this balancer's lock. */
	private volatile int ejectionGeneration;

	private volatile boolean panic;

	/** The last candidate list filtered for ejected pods, and the result. */
	private volatile Filtered filtered;

	/** The generation of the last snapshot taken, under this balancer's lock. */
	private long generation = -1;

	/**
	 * Creates a balancer with no pods and the default options.
	 * @param service the service key
	 * @param strategy the strategy, used by this service only
	 */
	public ServiceBalancer(String service, BalancingStrategy strategy) {
		this(service, strategy, BalancingOptions.DEFAULTS);
	}

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
		this.service = service;
		this.strategy = strategy;
		this.options = options;
		this.clock = clock;
		this.random = random;
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
	 * Chooses a pod and counts a request to it as started. The caller must call
	 * {@link PodStats#end(boolean)} once the request has finished.
	 * @return the pod's counters
	 * @throws NoPodAvailableException if no pod is ready
	 */
	public PodStats acquire() {
		return acquire(null);
	}

	/**
	 * Chooses a pod other than one that has just failed, if there is another, and counts
	 * a request to it as started. The caller must call {@link PodStats#end(boolean)} once
	 * the request has finished.
	 * @param avoid the pod to avoid, or {@code null}
	 * @return the pod's counters
	 * @throws NoPodAvailableException if no pod is ready
	 */
	public PodStats acquire(PodStats avoid) {
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			PodStats chosen = choose();
			if (chosen == avoid && this.ready.size() > 1) {
				chosen = chooseOther(avoid);
			}
			if (chosen.begin()) {
				return chosen;
			}
			// It drained between reading the ready list and counting: choose again.
		}
		throw new NoPodAvailableException(this.service);
	}

	private PodStats chooseOther(PodStats avoid) {
		List<PodStats> others = new ArrayList<>(this.ready);
		others.remove(avoid);
		return choose(others);
	}

	/**
	 * Chooses a pod without counting a request.
	 * @return the pod's counters
	 * @throws NoPodAvailableException if no pod is ready
	 */
	public PodStats choose() {
		return choose(this.ready);
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
		if (candidates.isEmpty()) {
			throw new NoPodAvailableException(this.service);
		}
		List<PodStats> usable = (this.ejected == 0) ? candidates : withoutEjected(candidates);
		PodStats chosen = this.strategy.choose(usable);
		return (this.ramping == 0) ? chosen : ramp(chosen, usable);
	}

	private List<PodStats> withoutEjected(List<PodStats> candidates) {
		long now = this.clock.getAsLong();
		if (now - this.nextReturn >= 0) {
			endEjections(now);
		}
		int threshold = this.options.outlierEjection().consecutiveFailures();
		int healthy = 0;
		for (PodStats pod : candidates) {
			if (!pod.isEjected() && pod.consecutiveFailures() < threshold) {
				healthy++;
			}
		}
		boolean panicking = healthy * 100 < this.options.outlierEjection().panicThreshold() * candidates.size();
		if (panicking != this.panic) {
			panic(panicking, healthy, candidates.size());
		}
		if (panicking) {
			return candidates;
		}
		Filtered last = this.filtered;
		if (last != null && last.candidates == candidates && last.ejected == this.ejected
				&& last.generation == this.ejectionGeneration) {
			return last.usable;
		}
		List<PodStats> usable = new ArrayList<>(candidates.size());
		for (PodStats pod : candidates) {
			if (!pod.isEjected()) {
				usable.add(pod);
			}
		}
		usable = usable.isEmpty() ? candidates : List.copyOf(usable);
		this.filtered = new Filtered(candidates, this.ejected, this.ejectionGeneration, usable);
		return usable;
	}

	private synchronized void panic(boolean panicking, int healthy, int candidates) {
		if (panicking == this.panic) {
			return;
		}
		this.panic = panicking;
		if (panicking) {
			logger.warn("Service '" + this.service + "' is in panic: only " + healthy + " of " + candidates
					+ " pods are healthy, so ejected pods take requests again until more recover");
		}
		else {
			logger.info("Service '" + this.service + "' is out of panic: " + healthy + " of " + candidates
					+ " pods are healthy, ejected pods stay out");
		}
	}

	private PodStats ramp(PodStats chosen, List<PodStats> usable) {
		long now = this.clock.getAsLong();
		for (int attempt = 0; attempt < RAMP_ATTEMPTS; attempt++) {
			if (!chosen.isRamping()) {
				return chosen;
			}
			double weight = rampWeight(chosen, now);
			if (weight >= 1) {
				endRamp(chosen);
				return chosen;
			}
			if (this.random.nextDouble() < weight) {
				return chosen;
			}
			chosen = this.strategy.choose(usable);
		}
		return chosen;
	}

	/**
	 * A pod's weight in its slow start: from 10% when it joined to 100% at the end of the
	 * window, in a straight line.
	 * @param pod the pod
	 * @param now a clock reading
	 * @return 0.1 to 1; 1 when it is not ramping
	 */
	public double rampWeight(PodStats pod, long now) {
		if (!pod.isRamping()) {
			return 1;
		}
		double elapsed = (double) (now - pod.rampStart()) / this.options.slowStart().toNanos();
		return Math.min(1, Math.max(MIN_RAMP_WEIGHT, elapsed));
	}

	private synchronized void endRamp(PodStats pod) {
		if (pod.isRamping()) {
			pod.ramp(false, 0);
			this.ramping = (int) this.pods.values().stream().filter(PodStats::isRamping).count();
		}
	}

	@Override
	public void failed(PodStats stats, int consecutive) {
		OutlierEjection ejection = this.options.outlierEjection();
		if (!ejection.enabled() || consecutive < ejection.consecutiveFailures() || stats.isEjected()
				|| stats.isRetired()) {
			return;
		}
		eject(stats, consecutive);
	}

	private synchronized void eject(PodStats stats, int consecutive) {
		List<PodStats> candidates = this.ready;
		if (stats.isEjected() || !candidates.contains(stats)) {
			return;
		}
		OutlierEjection ejection = this.options.outlierEjection();
		long now = this.clock.getAsLong();
		endEjections(now);
		int ejectedNow = (int) candidates.stream().filter(PodStats::isEjected).count();
		if (ejectedNow >= ejection.maxEjected(candidates.size())) {
			return;
		}
		// every quiet base ejection time since its last return lowers the level by one
		long quiet = (stats.ejections() > 0) ? (now - stats.returnedAt()) / ejection.baseEjectionTime().toNanos() : 0;
		int level = (int) Math.max(0, stats.ejections() - quiet);
		long nanos = ejection.ejectionNanos(level);
		stats.eject(now + nanos, level + 1);
		this.ejectionGeneration++;
		recountEjected(now);
		logger.warn("Pod " + describe(stats) + " of service '" + this.service + "' is ejected for "
				+ Duration.ofNanos(nanos).toMillis() + " ms after " + consecutive + " consecutive failures");
	}

	private synchronized void endEjections(long now) {
		if (this.ejected == 0 || now - this.nextReturn < 0) {
			return;
		}
		for (PodStats pod : this.pods.values()) {
			if (pod.isEjected() && now - pod.ejectedUntil() >= 0) {
				pod.endEjection(now);
				this.ejectionGeneration++;
				logger.info("Pod " + describe(pod) + " of service '" + this.service + "' returns from ejection");
			}
		}
		recountEjected(now);
	}

	private void recountEjected(long now) {
		int count = 0;
		long next = now + Long.MAX_VALUE / 2;
		for (PodStats pod : this.pods.values()) {
			if (pod.isEjected()) {
				count++;
				if (pod.ejectedUntil() - next < 0) {
					next = pod.ejectedUntil();
				}
			}
		}
		this.nextReturn = next;
		this.ejected = count;
		if (count == 0 && this.panic) {
			// panic is judged while pods are ejected: with none left it is over
			panic(false, this.ready.size(), this.ready.size());
		}
	}

	/**
	 * Whether a pod is out of rotation now: ejected and its ejection not yet over.
	 * @param pod the pod
	 * @return {@code true} while ejected
	 */
	public boolean isEjected(PodStats pod) {
		return pod.isEjected() && this.clock.getAsLong() - pod.ejectedUntil() < 0;
	}

	/**
	 * Whether the service is in panic: too few healthy pods, so ejection is set aside.
	 * @return {@code true} in panic
	 */
	public boolean isPanic() {
		return this.panic;
	}

	/**
	 * The time now on this balancer's clock.
	 * @return nanoseconds
	 */
	public long now() {
		return this.clock.getAsLong();
	}

	private static String describe(PodStats stats) {
		Pod pod = stats.pod();
		return pod.name().equals(pod.address()) ? pod.address() : pod.name() + " (" + pod.address() + ")";
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
	 * Takes the service's new pods: new pods get counters (and a slow start, when the
	 * service already had ready pods), pods that left retire. A snapshot older than the
	 * last one taken is ignored.
	 * @param snapshot the current pods
	 */
	public synchronized void update(ServicePods snapshot) {
		if (snapshot.generation() <= this.generation) {
			return;
		}
		this.generation = snapshot.generation();
		long now = this.clock.getAsLong();
		boolean running = !this.ready.isEmpty();
		boolean slowStart = running && !this.options.slowStart().isZero();
		Set<String> present = new HashSet<>();
		List<PodStats> nowReady = new ArrayList<>();
		for (Pod pod : snapshot.pods()) {
			present.add(pod.address());
			PodStats stats = this.pods.compute(pod.address(), (address, existing) -> {
				if (existing == null || !existing.reinstate()) {
					PodStats created = new PodStats(pod, this, this, this.clock);
					if (slowStart && pod.isReady()) {
						created.ramp(true, now);
					}
					return created;
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
		recountEjected(now);
		this.ejectionGeneration++;
		this.ramping = (int) this.pods.values().stream().filter(PodStats::isRamping).count();
	}

	@Override
	public void drained(PodStats stats) {
		this.pods.remove(stats.pod().address(), stats);
		if (stats.isEjected()) {
			synchronized (this) {
				recountEjected(this.clock.getAsLong());
			}
		}
		this.drainListeners.forEach((listener) -> listener.drained(stats));
	}

	private record Filtered(List<PodStats> candidates, int ejected, int generation, List<PodStats> usable) {
	}

}
