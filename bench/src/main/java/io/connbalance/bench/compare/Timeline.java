package io.connbalance.bench.compare;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a pod added under load took its share, 100 ms at a time.
 *
 * @param reached seconds from its appearance until it held the target share, or NaN
 * @param share the pod's share over time: {seconds after it appeared, share}
 */
record Timeline(double reached, List<double[]> share) {

	/** The resolution of timelines. */
	private static final Duration BUCKET = Duration.ofMillis(100);

	private static final double BUCKET_SECONDS = BUCKET.toNanos() / 1e9;

	/**
	 * Loads a contender, adds a pod after a while and follows the new pod's share.
	 * @param contender the contender
	 * @param before how long it runs before the pod is added
	 * @param after how long it is followed after, at most
	 * @param adder adds the pod
	 * @param target the share whose reaching is timed, or NaN
	 * @return the timeline
	 */
	static Timeline follow(Contender contender, Duration before, Duration after, Adder adder, double target)
			throws Exception {
		// starting a pod may take seconds (PostgreSQL's): the callers stop with the
		// timeline, or a minute later at the latest
		try (Load load = new Load(Harness.CALLERS, contender::call, BUCKET,
				before.plus(after).plus(Duration.ofMinutes(1)))) {
			Harness.sleep(before);
			String added = adder.add();
			double addedAt = load.elapsed();
			double reached = Double.NaN;
			long deadline = System.nanoTime() + after.toNanos();
			List<double[]> share = new ArrayList<>();
			while (System.nanoTime() < deadline) {
				Harness.sleep(Duration.ofMillis(250));
				share.clear();
				TreeMap<Long, Map<String, Long>> buckets = load.timeline();
				for (Map.Entry<Long, Map<String, Long>> bucket : buckets.entrySet()) {
					double time = bucket.getKey() * BUCKET_SECONDS - addedAt;
					if (time < 0 || bucket.getKey() >= buckets.lastKey()) {
						continue;
					}
					long all = bucket.getValue().values().stream().mapToLong(Long::longValue).sum();
					double own = (double) bucket.getValue().getOrDefault(added, 0L) / Math.max(1, all);
					share.add(new double[] { time, own });
					if (Double.isNaN(reached) && !Double.isNaN(target) && own >= target) {
						reached = time + BUCKET_SECONDS;
					}
				}
				if (!Double.isNaN(reached) && share.get(share.size() - 1)[0] > reached + 2) {
					break;
				}
			}
			return new Timeline(reached, List.copyOf(share));
		}
	}

	/** Adds a pod to discovery and names it. */
	@FunctionalInterface
	interface Adder {

		String add() throws Exception;

	}

	/** The average share over the second that starts at the given time. */
	double averageAround(double second) {
		return this.share.stream()
			.filter((point) -> point[0] >= second && point[0] < second + 1)
			.mapToDouble((point) -> point[1])
			.average()
			.orElse(Double.NaN);
	}

}
