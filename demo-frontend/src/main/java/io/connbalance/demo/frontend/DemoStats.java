package io.connbalance.demo.frontend;

import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers per pod for each client kind over the last {@value #WINDOW_SECONDS} seconds (so
 * that a pod added a moment ago shows its share at once), and per second over the last
 * {@value #HISTORY_SECONDS} seconds, in one-second buckets.
 */
final class DemoStats {

	/** The window of {@link #recent()}. */
	static final int WINDOW_SECONDS = 10;

	/**
	 * The seconds of {@link #rates()}: short, so that a scale-up shows within seconds.
	 */
	static final int RATE_SECONDS = 5;

	/** The seconds of {@link #history()}. */
	static final int HISTORY_SECONDS = 60;

	private final Clock clock;

	/** Per kind, per second, per pod. */
	private final Map<ClientKind, Map<Long, Map<String, AtomicLong>>> answers = new EnumMap<>(ClientKind.class);

	private final Map<ClientKind, AtomicLong> failures = new EnumMap<>(ClientKind.class);

	DemoStats(Clock clock) {
		this.clock = clock;
		for (ClientKind kind : ClientKind.values()) {
			this.answers.put(kind, new ConcurrentHashMap<>());
			this.failures.put(kind, new AtomicLong());
		}
	}

	void answered(ClientKind kind, String pod) {
		long second = now();
		Map<Long, Map<String, AtomicLong>> seconds = this.answers.get(kind);
		seconds.computeIfAbsent(second, (s) -> new ConcurrentHashMap<>())
			.computeIfAbsent(pod, (p) -> new AtomicLong())
			.incrementAndGet();
		seconds.keySet().removeIf((s) -> s <= second - HISTORY_SECONDS);
	}

	void failed(ClientKind kind) {
		this.failures.get(kind).incrementAndGet();
	}

	/**
	 * Answers per pod in the last {@value #WINDOW_SECONDS} seconds, per kind.
	 * @return the counts, pods sorted by name
	 */
	Map<ClientKind, Map<String, Long>> recent() {
		long from = now() - WINDOW_SECONDS;
		Map<ClientKind, Map<String, Long>> recent = new EnumMap<>(ClientKind.class);
		this.answers.forEach((kind, seconds) -> {
			Map<String, Long> pods = new TreeMap<>();
			seconds.forEach((second, counts) -> {
				if (second > from) {
					counts.forEach((pod, count) -> pods.merge(pod, count.get(), Long::sum));
				}
			});
			recent.put(kind, pods);
		});
		return recent;
	}

	/**
	 * Answers per pod in each of the last {@value #HISTORY_SECONDS} whole seconds, oldest
	 * first, per kind: each pod's request rate.
	 * @return the rates, pods sorted by name
	 */
	Map<ClientKind, Map<String, long[]>> history() {
		long last = now() - 1;
		Map<ClientKind, Map<String, long[]>> history = new EnumMap<>(ClientKind.class);
		this.answers.forEach((kind, seconds) -> {
			Map<String, long[]> pods = new TreeMap<>();
			seconds.forEach((second, counts) -> {
				int slot = (int) (second - last + HISTORY_SECONDS - 1);
				if (slot >= 0 && slot < HISTORY_SECONDS) {
					counts.forEach((pod,
							count) -> pods.computeIfAbsent(pod, (p) -> new long[HISTORY_SECONDS])[slot] = count.get());
				}
			});
			history.put(kind, pods);
		});
		return history;
	}

	/**
	 * Answers a second over the last {@value #RATE_SECONDS} whole seconds, per kind.
	 * @return the rates
	 */
	Map<ClientKind, Double> rates() {
		long last = now() - 1;
		Map<ClientKind, Double> rates = new EnumMap<>(ClientKind.class);
		this.answers.forEach((kind, seconds) -> {
			long answers = 0;
			for (Map.Entry<Long, Map<String, AtomicLong>> second : seconds.entrySet()) {
				if (second.getKey() <= last && second.getKey() > last - RATE_SECONDS) {
					answers += second.getValue().values().stream().mapToLong(AtomicLong::get).sum();
				}
			}
			rates.put(kind, (double) answers / RATE_SECONDS);
		});
		return rates;
	}

	long failures(ClientKind kind) {
		return this.failures.get(kind).get();
	}

	private long now() {
		return this.clock.millis() / 1000;
	}

}
