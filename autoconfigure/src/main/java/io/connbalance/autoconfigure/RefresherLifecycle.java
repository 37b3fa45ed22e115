package io.connbalance.autoconfigure;

import io.connbalance.refresh.PodRefresher;

import org.springframework.context.SmartLifecycle;

/**
 * Stops the refresher on shutdown, and starts it again when the context is restarted. The
 * first start happens earlier, when the refresher bean is created, so that pods are known
 * before any bean can call a service.
 */
class RefresherLifecycle implements SmartLifecycle {

	/** Before web servers and messaging containers start. */
	static final int PHASE = Integer.MIN_VALUE + 1000;

	private final PodRefresher refresher;

	RefresherLifecycle(PodRefresher refresher) {
		this.refresher = refresher;
	}

	@Override
	public void start() {
		this.refresher.start();
	}

	@Override
	public void stop() {
		this.refresher.stop();
	}

	@Override
	public boolean isRunning() {
		return this.refresher.isRunning();
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
