package io.connbalance.bench.compare;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Callers that send requests in a loop, each waiting for its answer, for a bounded time
 * and count, and what they measured: requests per pod, failures, latencies and a
 * timeline.
 */
final class Load implements AutoCloseable {

	/** A caller stops after this many requests, whatever its time. */
	private static final int MAX_REQUESTS_PER_CALLER = 2_000_000;

	private final List<Thread> threads = new ArrayList<>();

	private final AtomicBoolean stop = new AtomicBoolean();

	private final long start = System.nanoTime();

	private final long bucketNanos;

	/** When the callers stop by themselves, a {@link System#nanoTime()} reading. */
	private final long deadline;

	private final Map<Long, Map<String, LongAdder>> timeline = new ConcurrentHashMap<>();

	private final LongAdder failures = new LongAdder();

	/** Failed requests in each timeline bucket. */
	private final Map<Long, LongAdder> failureTimeline = new ConcurrentHashMap<>();

	private final Caller[] callers;

	/**
	 * Starts callers.
	 * @param callers how many
	 * @param call sends one request and returns the pod that answered; throws on failure
	 * @param bucket the timeline's resolution
	 * @param maxDuration the callers stop by themselves after this long
	 */
	Load(int callers, Function<Integer, String> call, Duration bucket, Duration maxDuration) {
		this.bucketNanos = bucket.toNanos();
		this.callers = new Caller[callers];
		long deadline = this.start + maxDuration.toNanos();
		this.deadline = deadline;
		for (int i = 0; i < callers; i++) {
			Caller caller = new Caller();
			this.callers[i] = caller;
			Thread thread = new Thread(() -> caller.run(call, deadline), "load-" + i);
			thread.setDaemon(true);
			this.threads.add(thread);
			thread.start();
		}
	}

	/**
	 * Runs callers for a fixed time and waits for them.
	 * @param callers how many
	 * @param call sends one request
	 * @param duration how long
	 * @return what they measured
	 */
	static Result run(int callers, Function<Integer, String> call, Duration duration) {
		try (Load load = new Load(callers, call, Duration.ofMillis(250), duration)) {
			load.join();
			return load.result();
		}
	}

	/**
	 * Waits for the callers, each of which stops after its request in flight.
	 * @throws IllegalStateException if one is still calling a minute after the callers'
	 * deadline (a call that hangs), as what they measured could not be read safely
	 */
	void join() {
		// the callers stop by their own deadline, at the latest, and a call after it
		long deadline = Math.max(System.nanoTime(), this.deadline) + TimeUnit.MINUTES.toNanos(1);
		for (Thread thread : this.threads) {
			try {
				thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while the callers stopped", ex);
			}
			if (thread.isAlive()) {
				throw new IllegalStateException(thread.getName() + " is still in a call a minute after its deadline");
			}
		}
	}

	/** Seconds since the callers started. */
	double elapsed() {
		return (System.nanoTime() - this.start) / 1e9;
	}

	/**
	 * Requests per pod in each timeline bucket so far.
	 * @return bucket index to pod to count
	 */
	TreeMap<Long, Map<String, Long>> timeline() {
		TreeMap<Long, Map<String, Long>> copy = new TreeMap<>();
		this.timeline.forEach((bucket, pods) -> {
			Map<String, Long> counts = new HashMap<>();
			pods.forEach((pod, count) -> counts.put(pod, count.sum()));
			copy.put(bucket, counts);
		});
		return copy;
	}

	Result result() {
		Map<String, Long> perPod = new TreeMap<>();
		this.timeline.values()
			.forEach((pods) -> pods.forEach((pod, count) -> perPod.merge(pod, count.sum(), Long::sum)));
		int size = 0;
		for (Caller caller : this.callers) {
			size += caller.count;
		}
		long[] latencies = new long[size];
		int at = 0;
		for (Caller caller : this.callers) {
			System.arraycopy(caller.latencies, 0, latencies, at, caller.count);
			at += caller.count;
		}
		Arrays.sort(latencies);
		return new Result(perPod, size, this.failures.sum(), latencies, elapsed());
	}

	/**
	 * What the callers measured between two moments, once they have stopped: the buckets
	 * that lie within, and the latencies of the requests that ended within.
	 * @param from seconds since the start
	 * @param to seconds since the start
	 * @return the window's result
	 */
	Result window(double from, double to) {
		long first = (long) Math.ceil(from * 1e9 / this.bucketNanos);
		long last = (long) Math.floor(to * 1e9 / this.bucketNanos);
		Map<String, Long> perPod = new TreeMap<>();
		long answered = 0;
		long failed = 0;
		for (long bucket = first; bucket < last; bucket++) {
			Map<String, LongAdder> pods = this.timeline.get(bucket);
			if (pods != null) {
				for (Map.Entry<String, LongAdder> pod : pods.entrySet()) {
					perPod.merge(pod.getKey(), pod.getValue().sum(), Long::sum);
					answered += pod.getValue().sum();
				}
			}
			LongAdder failures = this.failureTimeline.get(bucket);
			failed += (failures != null) ? failures.sum() : 0;
		}
		long fromNanos = first * this.bucketNanos;
		long toNanos = last * this.bucketNanos;
		long[] latencies = Arrays.stream(this.callers)
			.flatMapToLong((caller) -> java.util.stream.IntStream.range(0, caller.count)
				.filter((i) -> caller.finished[i] >= fromNanos && caller.finished[i] < toNanos)
				.mapToLong((i) -> caller.latencies[i]))
			.sorted()
			.toArray();
		return new Result(perPod, answered, failed, latencies, (toNanos - fromNanos) / 1e9);
	}

	/**
	 * Answered requests a second in each bucket, once the callers have stopped.
	 * @return {seconds since the start at the bucket's end, requests a second}
	 */
	List<double[]> rates() {
		List<double[]> rates = new ArrayList<>();
		double bucketSeconds = this.bucketNanos / 1e9;
		long last = this.timeline.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
		for (long bucket = 0; bucket < last; bucket++) {
			Map<String, LongAdder> pods = this.timeline.get(bucket);
			long answered = (pods != null) ? pods.values().stream().mapToLong(LongAdder::sum).sum() : 0;
			rates.add(new double[] { (bucket + 1) * bucketSeconds, answered / bucketSeconds });
		}
		return rates;
	}

	@Override
	public void close() {
		this.stop.set(true);
		join();
	}

	private final class Caller {

		private long[] latencies = new long[1 << 16];

		/** When each answered request ended, in nanoseconds from the start. */
		private long[] finished = new long[1 << 16];

		private int count;

		void run(Function<Integer, String> call, long deadline) {
			int requests = 0;
			while (!Load.this.stop.get() && requests++ < MAX_REQUESTS_PER_CALLER) {
				long sent = System.nanoTime();
				if (sent - deadline >= 0) {
					return;
				}
				String pod;
				try {
					pod = call.apply(requests);
				}
				catch (RuntimeException ex) {
					pod = null;
					Load.this.failures.increment();
				}
				long now = System.nanoTime();
				if (pod == null) {
					Load.this.failureTimeline
						.computeIfAbsent((now - Load.this.start) / Load.this.bucketNanos, (bucket) -> new LongAdder())
						.increment();
				}
				else {
					if (this.count == this.latencies.length) {
						this.latencies = Arrays.copyOf(this.latencies, this.count * 2);
						this.finished = Arrays.copyOf(this.finished, this.count * 2);
					}
					this.finished[this.count] = now - Load.this.start;
					this.latencies[this.count++] = now - sent;
					Load.this.timeline
						.computeIfAbsent((now - Load.this.start) / Load.this.bucketNanos,
								(bucket) -> new ConcurrentHashMap<>())
						.computeIfAbsent(pod, (name) -> new LongAdder())
						.increment();
				}
			}
		}

	}

	/**
	 * What a load measured.
	 *
	 * @param perPod answered requests per pod
	 * @param answered answered requests
	 * @param failed failed requests
	 * @param latencies the answered requests' latencies, sorted, in nanoseconds
	 * @param seconds how long it ran
	 */
	record Result(Map<String, Long> perPod, long answered, long failed, long[] latencies, double seconds) {

		double throughput() {
			return this.answered / this.seconds;
		}

		double percentileMillis(double percentile) {
			if (this.latencies.length == 0) {
				return Double.NaN;
			}
			int index = (int) Math.min(this.latencies.length - 1, Math.ceil(percentile * this.latencies.length) - 1);
			return this.latencies[Math.max(0, index)] / 1e6;
		}

		double errorRate() {
			long all = this.answered + this.failed;
			return (all > 0) ? (double) this.failed / all : 0;
		}

		/**
		 * The largest share over the smallest, over the given pods (a pod that got
		 * nothing makes it infinite).
		 */
		double maxOverMin(List<String> pods) {
			long max = 0;
			long min = Long.MAX_VALUE;
			for (String pod : pods) {
				long count = this.perPod.getOrDefault(pod, 0L);
				max = Math.max(max, count);
				min = Math.min(min, count);
			}
			return (min == 0) ? Double.POSITIVE_INFINITY : (double) max / min;
		}

	}

}
