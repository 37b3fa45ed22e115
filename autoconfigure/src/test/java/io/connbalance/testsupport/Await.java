package io.connbalance.testsupport;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Polls a condition until it holds, failing the test when it does not within a timeout.
 */
public final class Await {

	private Await() {
	}

	/**
	 * Waits until the condition holds.
	 * @param timeout the most to wait
	 * @param condition the condition
	 * @throws Exception what the condition throws, or an assertion error on time-out
	 */
	public static void until(Duration timeout, Condition condition) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.holds()) {
			assertThat(System.nanoTime()).as("condition met within %s", timeout).isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	/**
	 * A condition that may throw.
	 */
	@FunctionalInterface
	public interface Condition {

		boolean holds() throws Exception;

	}

}
