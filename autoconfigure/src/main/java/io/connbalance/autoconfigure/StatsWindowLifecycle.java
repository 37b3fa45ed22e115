package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.refresh.Daemons;
import io.connbalance.stats.PodStats;

import org.springframework.context.SmartLifecycle;

/**
 * Samples every pod's running total {@link PodStats#TICKS_PER_WINDOW} times per
 * {@code connbalance.stats.window}, on a thread of its own, so that the endpoint can
 * report shares over that window.
 */
class StatsWindowLifecycle implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(StatsWindowLifecycle.class);

	private final ServiceBalancers balancers;

	private final long tickMillis;

	private ScheduledExecutorService scheduler;

	StatsWindowLifecycle(ServiceBalancers balancers, Duration window) {
		this.balancers = balancers;
		this.tickMillis = Math.max(1, window.toMillis() / PodStats.TICKS_PER_WINDOW);
	}

	@Override
	public synchronized void start() {
		if (this.scheduler != null) {
			return;
		}
		this.scheduler = Daemons.scheduler("connbalance-stats");
		// with a fixed delay, ticks missed while the process was paused are not run back
		// to back, which would shrink the window
		this.scheduler.scheduleWithFixedDelay(this::tick, this.tickMillis, this.tickMillis, TimeUnit.MILLISECONDS);
	}

	/** A tick on the scheduler's thread: an exception would cancel every later one. */
	private void tick() {
		try {
			this.balancers.tick();
		}
		catch (RuntimeException ex) {
			logger.error("connbalance's sample of request counts failed; the next one runs as scheduled", ex);
		}
	}

	@Override
	public synchronized void stop() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
			this.scheduler = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

	@Override
	public int getPhase() {
		return RefresherLifecycle.PHASE;
	}

}
