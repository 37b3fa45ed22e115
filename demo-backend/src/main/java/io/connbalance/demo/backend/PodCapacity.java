package io.connbalance.demo.backend;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * What this pod can serve: each client gets {@code demo.capacity.workers} workers here,
 * each request taking {@code demo.capacity.service-time} of waiting (not computing), and
 * requests beyond the workers wait their turn. A pod so serves each client at most
 * workers / service time requests a second, whatever the machine's cores, and a client
 * gets through as much as the pods it reaches can serve. Clients name themselves
 * ({@code X-Demo-Client}, gRPC {@code x-demo-client}), so that the dashboard's clients do
 * not take each other's capacity. Off (every request at once) while workers is 0.
 */
@Component
class PodCapacity {

	/** A client name: a few letters, so that the table of clients stays small. */
	private static final Pattern CLIENT = Pattern.compile("[a-zA-Z]{1,16}");

	private static final int MAX_CLIENTS = 16;

	private final int workers;

	private final Duration serviceTime;

	private final Map<String, Semaphore> byClient = new ConcurrentHashMap<>();

	PodCapacity(@Value("${demo.capacity.workers:0}") int workers,
			@Value("${demo.capacity.service-time:0ms}") Duration serviceTime) {
		if (workers < 0 || serviceTime.isNegative()) {
			throw new IllegalArgumentException(
					"demo.capacity.workers and demo.capacity.service-time must not be negative");
		}
		this.workers = workers;
		this.serviceTime = serviceTime;
	}

	/**
	 * Serves a request of a client on one of its workers, after the service time.
	 * @param client the client's name, or {@code null}
	 * @param work what the request does
	 * @param <T> its answer
	 * @return the answer
	 * @throws InterruptedException if interrupted while waiting
	 */
	<T> T serve(String client, Supplier<T> work) throws InterruptedException {
		if (this.workers == 0) {
			return work.get();
		}
		Semaphore workers = workers(client);
		workers.acquire();
		try {
			Thread.sleep(this.serviceTime.toMillis());
			return work.get();
		}
		finally {
			workers.release();
		}
	}

	private Semaphore workers(String client) {
		String key = (client != null && CLIENT.matcher(client).matches()) ? client : "";
		Semaphore workers = this.byClient.get(key);
		if (workers == null) {
			// others than the dashboard's few share one set of workers
			key = (this.byClient.size() < MAX_CLIENTS) ? key : "";
			workers = this.byClient.computeIfAbsent(key, (name) -> new Semaphore(this.workers, true));
		}
		return workers;
	}

}
