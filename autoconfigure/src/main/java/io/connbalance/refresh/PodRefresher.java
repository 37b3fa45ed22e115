package io.connbalance.refresh;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.connbalance.discovery.DiscoveredPods;
import io.connbalance.discovery.PodSource;
import io.connbalance.discovery.PortNotFoundException;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.ServicePods;
import io.connbalance.pod.ServiceTarget;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Keeps the pod registry current: on its own schedule, at once when discovery signals a
 * change, and on demand. It never lets a discovery failure empty a service: the last good
 * pods stay until discovery answers again, and each failure streak is logged once. An
 * authoritative answer of no pods (a Service scaled to zero, or every pod unready, as its
 * EndpointSlices say) empties the service: calls fail fast until a pod is ready.
 * <p>
 * Nothing a refresh meets stops the schedule: every error is caught and logged, and the
 * next refresh runs on time.
 */
public class PodRefresher {

	private static final Log logger = LogFactory.getLog(PodRefresher.class);

	private final PodRegistry registry;

	private final PodSource source;

	private final List<ServiceTarget> targets;

	private final Duration interval;

	private final Clock clock;

	private final Map<String, RefreshStatus> statuses = new ConcurrentHashMap<>();

	private final AtomicBoolean refreshPending = new AtomicBoolean();

	private volatile ScheduledExecutorService scheduler;

	/**
	 * Creates a refresher; nothing runs before {@link #start()}.
	 * @param registry the registry to keep current
	 * @param source where pods are found
	 * @param targets the services
	 * @param interval the time between scheduled refreshes
	 * @param clock the clock for {@link RefreshStatus#lastRefresh()}
	 */
	public PodRefresher(PodRegistry registry, PodSource source, List<ServiceTarget> targets, Duration interval,
			Clock clock) {
		this.registry = registry;
		this.source = source;
		this.targets = List.copyOf(targets);
		this.interval = interval;
		this.clock = clock;
		this.targets.forEach((target) -> this.statuses.put(target.key(), RefreshStatus.NEVER));
	}

	/**
	 * Starts the source's watch (if it has one), refreshes every service once,
	 * synchronously, then every interval and whenever the source signals a change.
	 * @throws PortNotFoundException if discovery finds a service's instances but none has
	 * its configured port name
	 */
	public synchronized void start() {
		if (this.scheduler != null) {
			return;
		}
		this.scheduler = Daemons.scheduler("connbalance-refresh");
		try {
			this.source.start(this::refreshSoon);
			for (ServiceTarget target : this.targets) {
				refresh(target, true);
			}
		}
		catch (RuntimeException ex) {
			stop();
			throw ex;
		}
		long period = this.interval.toMillis();
		this.scheduler.scheduleWithFixedDelay(this::scheduledRefresh, period, period, TimeUnit.MILLISECONDS);
	}

	/**
	 * A refresh on the refresher's thread: an exception thrown here would cancel every
	 * later scheduled run, so none escapes.
	 */
	private void scheduledRefresh() {
		try {
			refreshNow();
		}
		catch (Throwable ex) {
			logger.error("connbalance's refresh of pods failed; the next one runs as scheduled", ex);
		}
	}

	/**
	 * Stops the schedule.
	 */
	public synchronized void stop() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
			this.scheduler = null;
			this.source.stop();
		}
	}

	/**
	 * Whether the schedule runs.
	 * @return {@code true} between start and stop
	 */
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

	/**
	 * Refreshes every service now, on the calling thread.
	 */
	public void refreshNow() {
		this.refreshPending.set(false);
		for (ServiceTarget target : this.targets) {
			refresh(target, false);
		}
	}

	/**
	 * Asks for a refresh as soon as possible, on the refresher's thread; requests that
	 * arrive while one is pending are merged.
	 */
	public void refreshSoon() {
		ScheduledExecutorService scheduler = this.scheduler;
		if (scheduler != null && this.refreshPending.compareAndSet(false, true)) {
			try {
				scheduler.execute(this::scheduledRefresh);
			}
			catch (RejectedExecutionException ex) {
				// stopped meanwhile
				this.refreshPending.set(false);
			}
		}
	}

	/**
	 * How discovery of a service has gone.
	 * @param service the service key
	 * @return the status, or {@code null} for an unknown service
	 */
	public RefreshStatus status(String service) {
		return this.statuses.get(service);
	}

	private synchronized void refresh(ServiceTarget target, boolean startup) {
		DiscoveredPods discovered;
		try {
			discovered = this.source.discover(target);
		}
		catch (PortNotFoundException ex) {
			if (startup) {
				throw ex;
			}
			failed(target, ex);
			return;
		}
		catch (RuntimeException ex) {
			failed(target, ex);
			return;
		}
		ServicePods current = this.registry.get(target.key());
		boolean hadReady = current.pods().stream().anyMatch(Pod::isReady);
		if (discovered.pods().isEmpty() && !current.pods().isEmpty() && !discovered.authoritative()) {
			failed(target, null);
			return;
		}
		RefreshStatus previous = this.statuses.get(target.key());
		if (discovered.staleReason() != null) {
			failed(target, new IllegalStateException(discovered.staleReason()));
		}
		else {
			if (previous.failing()) {
				logger.info("Discovery of service '" + target.serviceId() + "' answers again with "
						+ discovered.pods().size() + " pod(s)");
			}
			this.statuses.put(target.key(), previous.succeeded(discovered.source(), this.clock.instant()));
		}
		if (!this.registry.update(target.key(), discovered.pods())) {
			return;
		}
		boolean hasReady = discovered.pods().stream().anyMatch(Pod::isReady);
		if (hadReady && !hasReady) {
			logger.warn("Service '" + target.serviceId() + "' has no ready pods now; calls to '" + target.key()
					+ "' fail at once until a pod is ready");
		}
		else if (!hadReady && hasReady && current.generation() > 0) {
			logger.info("Service '" + target.serviceId() + "' has ready pods again");
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Pods of service '" + target.key() + "': " + this.registry.get(target.key()).pods());
		}
	}

	private void failed(ServiceTarget target, RuntimeException ex) {
		RefreshStatus previous = this.statuses.get(target.key());
		this.statuses.put(target.key(), previous.failed());
		if (previous.failing()) {
			return;
		}
		int kept = this.registry.get(target.key()).pods().size();
		String reason = (ex != null) ? "failed: " + ex.getMessage() : "returned no pods";
		logger.warn(
				"Discovery of service '" + target.serviceId() + "' " + reason + "; keeping the " + kept
						+ " last known pod(s) until it answers again",
				(ex != null && logger.isDebugEnabled()) ? ex : null);
	}

}
