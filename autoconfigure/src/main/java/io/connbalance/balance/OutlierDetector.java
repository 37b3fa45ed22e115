package io.connbalance.balance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.connbalance.pod.Pod;
import io.connbalance.stats.PodStats;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The outlier detection of one service, as {@link OutlierEjection} describes it: which
 * pods are ejected and until when, how often each was ejected lately, and whether the
 * service is in panic. It owns that state; state changes happen under its lock, picks
 * read it without one.
 */
final class OutlierDetector {

	private static final Log logger = LogFactory.getLog(OutlierDetector.class);

	private final String service;

	private final OutlierEjection ejection;

	private final LongSupplier clock;

	/** Pods ejected now or lately, by their counters. */
	private final Map<PodStats, Ejection> ejections = new ConcurrentHashMap<>();

	/** Pods ejected now. */
	private volatile int ejected;

	/** The earliest end of an ejection. */
	private volatile long nextReturn;

	/** Changes with every ejection, return and change of pods. */
	private volatile int generation;

	private volatile boolean panic;

	/**
	 * The last two candidate lists filtered for ejected pods (a client's local and remote
	 * pods), and the results.
	 */
	private volatile Filtered filtered;

	private volatile Filtered filteredBefore;

	OutlierDetector(String service, OutlierEjection ejection, LongSupplier clock) {
		this.service = service;
		this.ejection = ejection;
		this.clock = clock;
	}

	/**
	 * Whether any pod is ejected: while none is, picks need nothing from this detector.
	 * @return {@code true} while a pod is ejected
	 */
	boolean anyEjected() {
		return this.ejected != 0;
	}

	/**
	 * The candidates without the ejected pods, or all of them in panic (too few healthy
	 * pods) or when every one is ejected.
	 * @param candidates pods of the service
	 * @return the pods that may take a request
	 */
	List<PodStats> usable(List<PodStats> candidates) {
		return usable(candidates, candidates);
	}

	/**
	 * The candidates without the ejected pods, or all of them in panic or when every one
	 * is ejected; panic is judged over a population the candidates belong to (all the
	 * pods a client uses, when it picks among its local or its remote ones).
	 * @param candidates pods of the service
	 * @param population the pods over which panic is judged
	 * @return the pods that may take a request
	 */
	List<PodStats> usable(List<PodStats> candidates, List<PodStats> population) {
		if (isPanic(population)) {
			return candidates;
		}
		List<PodStats> usable = filter(candidates);
		return usable.isEmpty() ? candidates : usable;
	}

	/**
	 * How many of the candidates are not ejected; all of them in panic.
	 * @param candidates pods of the service
	 * @param population the pods over which panic is judged
	 * @return the count
	 */
	int usableCount(List<PodStats> candidates, List<PodStats> population) {
		return isPanic(population) ? candidates.size() : filter(candidates).size();
	}

	private boolean isPanic(List<PodStats> population) {
		long now = this.clock.getAsLong();
		if (now - this.nextReturn >= 0) {
			endEjections(now);
		}
		int threshold = this.ejection.consecutiveFailures();
		int healthy = 0;
		for (PodStats pod : population) {
			if (!hasEjection(pod) && pod.consecutiveFailures() < threshold) {
				healthy++;
			}
		}
		boolean panicking = healthy * 100 < this.ejection.panicThreshold() * population.size();
		if (panicking != this.panic) {
			panic(panicking, healthy, population.size());
		}
		return panicking;
	}

	/** The candidates not ejected, possibly none; the last two lists asked are cached. */
	private List<PodStats> filter(List<PodStats> candidates) {
		// read once: an ejection while the list is made must not be tagged as seen
		int generation = this.generation;
		Filtered last = this.filtered;
		if (last != null && last.candidates == candidates && last.generation == generation) {
			return last.usable;
		}
		Filtered other = this.filteredBefore;
		if (other != null && other.candidates == candidates && other.generation == generation) {
			return other.usable;
		}
		List<PodStats> usable = new ArrayList<>(candidates.size());
		for (PodStats pod : candidates) {
			if (!hasEjection(pod)) {
				usable.add(pod);
			}
		}
		usable = List.copyOf(usable);
		this.filteredBefore = last;
		this.filtered = new Filtered(candidates, generation, usable);
		return usable;
	}

	/**
	 * Takes a failure of a pod: one that has failed often enough in a row is ejected, if
	 * the service may lose another pod.
	 * @param stats the pod
	 * @param consecutive its failures in a row
	 * @param ready the service's ready pods
	 */
	void failed(PodStats stats, int consecutive, List<PodStats> ready) {
		if (this.ejection.enabled() && consecutive >= this.ejection.consecutiveFailures() && !hasEjection(stats)
				&& !stats.isRetired()) {
			eject(stats, consecutive, ready);
		}
	}

	private synchronized void eject(PodStats stats, int consecutive, List<PodStats> ready) {
		if (hasEjection(stats) || !ready.contains(stats)) {
			return;
		}
		long now = this.clock.getAsLong();
		endEjections(now);
		int ejectedNow = (int) ready.stream().filter(this::hasEjection).count();
		if (ejectedNow >= this.ejection.maxEjected(ready.size())) {
			return;
		}
		Ejection previous = this.ejections.get(stats);
		// every quiet base ejection time since its last return lowers the level by one
		long quiet = (previous != null) ? (now - previous.returnedAt) / this.ejection.baseEjectionTime().toNanos() : 0;
		int level = (previous != null) ? (int) Math.max(0, previous.level - quiet) : 0;
		long nanos = this.ejection.ejectionNanos(level);
		this.ejections.put(stats, new Ejection(now + nanos, level + 1, true, 0));
		stats.resetConsecutiveFailures();
		stats.ejected();
		this.generation++;
		recount(now);
		logger.warn("Pod " + describe(stats) + " of service '" + this.service + "' is ejected for "
				+ Duration.ofNanos(nanos).toMillis() + " ms after " + consecutive + " consecutive failures");
	}

	private synchronized void endEjections(long now) {
		if (this.ejected == 0 || now - this.nextReturn < 0) {
			return;
		}
		for (Map.Entry<PodStats, Ejection> entry : this.ejections.entrySet()) {
			Ejection ejection = entry.getValue();
			if (ejection.active && now - ejection.until >= 0) {
				entry.setValue(new Ejection(ejection.until, ejection.level, false, now));
				this.generation++;
				logger.info(
						"Pod " + describe(entry.getKey()) + " of service '" + this.service + "' returns from ejection");
			}
		}
		recount(now);
	}

	private void recount(long now) {
		int count = 0;
		long next = now + Long.MAX_VALUE / 2;
		for (Ejection ejection : this.ejections.values()) {
			if (ejection.active) {
				count++;
				if (ejection.until - next < 0) {
					next = ejection.until;
				}
			}
		}
		this.nextReturn = next;
		this.ejected = count;
		if (count == 0 && this.panic) {
			// panic is judged while pods are ejected: with none left it is over
			panic(false, 0, 0);
		}
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
			logger.info("Service '" + this.service + "' is out of panic: no pod is ejected, or enough are healthy");
		}
	}

	/**
	 * Whether a pod is out of rotation now: ejected and its ejection not yet over.
	 * @param pod the pod
	 * @return {@code true} while ejected
	 */
	boolean isEjected(PodStats pod) {
		Ejection ejection = this.ejections.get(pod);
		return ejection != null && ejection.active && this.clock.getAsLong() - ejection.until < 0;
	}

	/** Ejected and not yet returned, whether or not its time is up (see endEjections). */
	private boolean hasEjection(PodStats pod) {
		Ejection ejection = this.ejections.get(pod);
		return ejection != null && ejection.active;
	}

	/**
	 * When a pod's current ejection ends.
	 * @param pod the pod
	 * @return a clock reading, or {@code null} when it is not ejected
	 */
	Long ejectedUntil(PodStats pod) {
		Ejection ejection = this.ejections.get(pod);
		return (ejection != null && ejection.active) ? ejection.until : null;
	}

	boolean isPanic() {
		return this.panic;
	}

	/**
	 * Takes the service's new pods into account.
	 */
	synchronized void podsChanged() {
		this.generation++;
		recount(this.clock.getAsLong());
	}

	/**
	 * Forgets a pod that has left and drained.
	 * @param pod the pod
	 */
	synchronized void forget(PodStats pod) {
		if (this.ejections.remove(pod) != null) {
			this.generation++;
			recount(this.clock.getAsLong());
		}
	}

	static String describe(PodStats stats) {
		Pod pod = stats.pod();
		return pod.name().equals(pod.address()) ? pod.address() : pod.name() + " (" + pod.address() + ")";
	}

	/**
	 * A pod's ejection: until when, at which level (how many times lately), whether it is
	 * on, and when it last ended.
	 */
	private record Ejection(long until, int level, boolean active, long returnedAt) {
	}

	private record Filtered(List<PodStats> candidates, int generation, List<PodStats> usable) {
	}

}
