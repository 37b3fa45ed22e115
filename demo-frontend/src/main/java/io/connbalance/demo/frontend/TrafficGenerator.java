package io.connbalance.demo.frontend;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Steady, bounded traffic for the dashboard: {@code rate} calls a second through each
 * client kind, each kind on one thread of its own (so the naive client keeps one
 * connection), at most two calls queued per kind, and none after {@code maxDuration}.
 */
class TrafficGenerator implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(TrafficGenerator.class);

	private static final int MAX_QUEUED = 2;

	private final DemoClients clients;

	private final DemoStats stats;

	private final int rate;

	private final Duration maxDuration;

	private final Map<ClientKind, AtomicInteger> queued = new EnumMap<>(ClientKind.class);

	private final Map<ClientKind, ExecutorService> callers = new EnumMap<>(ClientKind.class);

	private volatile ScheduledExecutorService ticker;

	TrafficGenerator(DemoClients clients, DemoStats stats, int rate, Duration maxDuration) {
		this.clients = clients;
		this.stats = stats;
		this.rate = rate;
		this.maxDuration = maxDuration;
		for (ClientKind kind : ClientKind.values()) {
			this.queued.put(kind, new AtomicInteger());
		}
	}

	@Override
	public synchronized void start() {
		if (this.rate <= 0 || this.ticker != null) {
			return;
		}
		for (ClientKind kind : ClientKind.values()) {
			this.callers.put(kind, Executors.newSingleThreadExecutor((task) -> daemon(task, "traffic-" + kind.id())));
		}
		this.ticker = Executors.newSingleThreadScheduledExecutor((task) -> daemon(task, "traffic"));
		long period = Math.max(1, 1_000_000 / this.rate);
		this.ticker.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MICROSECONDS);
		this.ticker.schedule((Runnable) this::stop, this.maxDuration.toMillis(), TimeUnit.MILLISECONDS);
		logger.info("Sending " + this.rate + " calls a second through each client for at most " + this.maxDuration);
	}

	private void tick() {
		for (ClientKind kind : ClientKind.values()) {
			AtomicInteger queued = this.queued.get(kind);
			if (queued.incrementAndGet() > MAX_QUEUED) {
				queued.decrementAndGet();
				continue;
			}
			this.callers.get(kind).execute(() -> {
				try {
					this.stats.answered(kind, this.clients.call(kind));
				}
				catch (RuntimeException ex) {
					this.stats.failed(kind);
				}
				finally {
					queued.decrementAndGet();
				}
			});
		}
	}

	@Override
	public synchronized void stop() {
		if (this.ticker != null) {
			this.ticker.shutdownNow();
			this.callers.values().forEach(ExecutorService::shutdownNow);
			this.callers.clear();
			this.ticker = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.ticker != null;
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

}
