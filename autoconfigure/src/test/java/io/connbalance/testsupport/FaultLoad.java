package io.connbalance.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Load around a fault: callers that send requests without pause for a while, then the
 * fault, then a while more, each request recorded with its start (from the fault), its
 * time and the pod that answered. Bounded in time and in count; it stops by itself.
 */
public final class FaultLoad {

	private static final int MAX_REQUESTS_PER_CALLER = 200_000;

	private FaultLoad() {
	}

	/**
	 * Runs the load.
	 * @param callers how many callers send at once
	 * @param request sends one request and returns the pod that answered; throws when it
	 * fails
	 * @param before how long before the fault
	 * @param fault the fault
	 * @param after how long after it
	 * @return every request, in no particular order
	 * @throws Exception when a caller does not finish
	 */
	public static List<Call> run(int callers, Supplier<String> request, Duration before, Runnable fault, Duration after)
			throws Exception {
		List<Call> calls = Collections.synchronizedList(new ArrayList<>());
		long faultAt = System.nanoTime() + before.toNanos();
		long end = faultAt + after.toNanos();
		ExecutorService executor = Executors.newFixedThreadPool(callers);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int i = 0; i < callers; i++) {
				running.add(executor.submit(() -> {
					for (int n = 0; n < MAX_REQUESTS_PER_CALLER && System.nanoTime() - end < 0; n++) {
						long sent = System.nanoTime();
						String pod = null;
						String error = null;
						try {
							pod = request.get();
						}
						catch (RuntimeException ex) {
							error = ex.toString();
						}
						calls.add(new Call(sent - faultAt, System.nanoTime() - sent, pod, error));
					}
				}));
			}
			Thread.sleep(Math.max(0, (faultAt - System.nanoTime()) / 1_000_000));
			fault.run();
			for (Future<?> caller : running) {
				caller.get(after.toSeconds() + 30, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		return List.copyOf(calls);
	}

	/**
	 * The calls that started in a window from the fault.
	 * @param calls the calls
	 * @param from the start of the window, negative before the fault
	 * @param to its end
	 * @return the calls
	 */
	public static List<Call> between(List<Call> calls, Duration from, Duration to) {
		return filter(calls, (call) -> call.start() >= from.toNanos() && call.start() < to.toNanos());
	}

	/**
	 * The 99th percentile of the calls' times.
	 * @param calls the calls, not empty
	 * @return the time
	 */
	public static Duration p99(List<Call> calls) {
		long[] nanos = calls.stream().mapToLong(Call::nanos).sorted().toArray();
		return Duration.ofNanos(nanos[(int) Math.min(nanos.length - 1, Math.ceil(nanos.length * 0.99) - 1)]);
	}

	/**
	 * How many calls failed.
	 * @param calls the calls
	 * @return the count
	 */
	public static long failed(List<Call> calls) {
		return calls.stream().filter(Call::failed).count();
	}

	private static List<Call> filter(List<Call> calls, Predicate<Call> condition) {
		return calls.stream().filter(condition).toList();
	}

	/**
	 * The distinct errors of the failed calls.
	 * @param calls the calls
	 * @return the errors
	 */
	public static List<String> errors(List<Call> calls) {
		return calls.stream().filter(Call::failed).map(Call::error).distinct().toList();
	}

	/**
	 * One request: when it started (nanoseconds from the fault), how long it took, and
	 * the pod that answered or the error.
	 *
	 * @param start when it started, from the fault
	 * @param nanos how long it took
	 * @param pod the pod that answered, or {@code null}
	 * @param error what the caller got when it failed, or {@code null}
	 */
	public record Call(long start, long nanos, String pod, String error) {

		public boolean failed() {
			return this.pod == null;
		}

	}

}
