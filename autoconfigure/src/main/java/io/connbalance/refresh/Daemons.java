package io.connbalance.refresh;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The single-thread schedulers connbalance runs its own background work on (refreshes,
 * samples of request counts, looking up the client's placement): one named daemon thread
 * each, so that they never keep the JVM alive and show up by name in a thread dump.
 */
public final class Daemons {

	private Daemons() {
	}

	/**
	 * A scheduler on one daemon thread.
	 * @param name the thread's name, such as {@code connbalance-refresh}
	 * @return the scheduler
	 */
	public static ScheduledExecutorService scheduler(String name) {
		return Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, name);
			thread.setDaemon(true);
			return thread;
		});
	}

}
