package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.stats.PodStats;

import org.springframework.context.SmartLifecycle;

/**
 * Samples every pod's running total {@link PodStats#TICKS_PER_WINDOW} times per
 * {@code connbalance.stats.window}, on a thread of its own, so that the endpoint can
 * report shares over that window.
 */
class StatsWindowLifecycle implements SmartLifecycle {

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
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "connbalance-stats");
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler.scheduleAtFixedRate(this.balancers::tick, this.tickMillis, this.tickMillis,
				TimeUnit.MILLISECONDS);
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
