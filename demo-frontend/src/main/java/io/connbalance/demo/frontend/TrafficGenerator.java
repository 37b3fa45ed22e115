package io.connbalance.demo.frontend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Bounded traffic for the dashboard: {@code callers} callers per client kind, each
 * sending its next call when the last has answered, so that a kind gets through as much
 * as the pods it reaches can serve (each pod serves each client a fixed number at once,
 * see demo-backend's {@code demo.capacity}). A kind sends at most {@code rate} calls a
 * second in all, and none after {@code maxDuration}.
 */
class TrafficGenerator implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(TrafficGenerator.class);

	/** How long a caller waits after a call that failed, so that failures do not spin. */
	private static final long FAILURE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

	private final DemoClients clients;

	private final DemoStats stats;

	private final int callers;

	private final int rate;

	private final Duration maxDuration;

	private final List<Thread> threads = new ArrayList<>();

	private volatile boolean running;

	TrafficGenerator(DemoClients clients, DemoStats stats, int callers, int rate, Duration maxDuration) {
		if (callers < 0 || rate < 0) {
			throw new IllegalArgumentException("demo.traffic.callers and demo.traffic.rate must not be negative");
		}
		this.clients = clients;
		this.stats = stats;
		this.callers = callers;
		this.rate = rate;
		this.maxDuration = maxDuration;
	}

	@Override
	public synchronized void start() {
		if (this.callers == 0 || this.rate == 0 || isRunning()) {
			return;
		}
		this.threads.clear();
		this.running = true;
		long deadline = System.nanoTime() + this.maxDuration.toNanos();
		// each caller at most rate / callers calls a second
		long interval = TimeUnit.SECONDS.toNanos(1) * this.callers / this.rate;
		for (ClientKind kind : ClientKind.values()) {
			for (int i = 0; i < this.callers; i++) {
				Thread thread = new Thread(() -> call(kind, interval, deadline), "traffic-" + kind.id() + "-" + i);
				thread.setDaemon(true);
				this.threads.add(thread);
				thread.start();
			}
		}
		logger.info("Calling through each client from " + this.callers + " callers, at most " + this.rate
				+ " calls a second, for at most " + this.maxDuration);
	}

	private void call(ClientKind kind, long interval, long deadline) {
		while (this.running && System.nanoTime() - deadline < 0) {
			long started = System.nanoTime();
			long pause = 0;
			try {
				this.stats.answered(kind, this.clients.call(kind));
			}
			catch (RuntimeException ex) {
				this.stats.failed(kind);
				pause = FAILURE_PAUSE_NANOS;
			}
			long next = started + Math.max(interval, pause);
			while (this.running && System.nanoTime() - next < 0) {
				LockSupport.parkNanos(next - System.nanoTime());
			}
		}
	}

	@Override
	public synchronized void stop() {
		this.running = false;
		this.threads.forEach(Thread::interrupt);
		this.threads.clear();
	}

	@Override
	public synchronized boolean isRunning() {
		// false once the callers have stopped by themselves, after the max duration
		return this.running && this.threads.stream().anyMatch(Thread::isAlive);
	}

}
