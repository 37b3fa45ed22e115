package io.connbalance.demo.frontend;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.client.WebSocketClient;

/**
 * Long-lived WebSocket sessions to {@code /ws/whoami}, each one reopened when it closes:
 * a set through connbalance's {@code WebSocketClient} (a pod chosen per session, sessions
 * moved to a pod that joins) and a set through the Service as a plain client opens them
 * (a pod drawn at random once per connection). Counts the sessions open on each pod, and
 * samples them every second for the last minute.
 */
final class DemoSessions implements InitializingBean, DisposableBean {

	/** Sessions per side. */
	static final int SESSIONS = 12;

	private static final int HISTORY_SECONDS = DemoStats.HISTORY_SECONDS;

	private final Side balanced;

	private final Side naive;

	private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "demo-sessions");
		thread.setDaemon(true);
		return thread;
	});

	DemoSessions(WebSocketClient balancedClient, URI balancedUri, WebSocketClient naiveClient, URI naiveUri) {
		this.balanced = new Side(balancedClient, balancedUri);
		this.naive = new Side(naiveClient, naiveUri);
	}

	@Override
	public void afterPropertiesSet() {
		this.balanced.open();
		this.naive.open();
		this.sampler.scheduleAtFixedRate(() -> {
			this.balanced.sample();
			this.naive.sample();
		}, 1, 1, TimeUnit.SECONDS);
	}

	@Override
	public void destroy() {
		this.sampler.shutdownNow();
		this.balanced.close();
		this.naive.close();
	}

	/**
	 * The sessions open on each pod now.
	 * @param balanced connbalance's side, else the naive one
	 * @return the counts by pod name
	 */
	Map<String, Long> sessions(boolean balanced) {
		return (balanced ? this.balanced : this.naive).counts();
	}

	/**
	 * Each pod's sessions at each of the last seconds, oldest first.
	 * @param balanced connbalance's side, else the naive one
	 * @return the counts by pod name
	 */
	Map<String, long[]> history(boolean balanced) {
		return (balanced ? this.balanced : this.naive).history();
	}

	/** One set of sessions, each reopened when it closes. */
	private static final class Side {

		private final WebSocketClient client;

		private final URI uri;

		/** The pod of each open session. */
		private final Map<WebSocketSession, String> open = new ConcurrentHashMap<>();

		private final List<Disposable> loops = new ArrayList<>();

		/** Per second (the last {@code HISTORY_SECONDS}), the sessions of each pod. */
		private final List<Map<String, Long>> samples = new ArrayList<>();

		private volatile boolean closed;

		Side(WebSocketClient client, URI uri) {
			this.client = client;
			this.uri = uri;
		}

		void open() {
			for (int i = 0; i < SESSIONS; i++) {
				// bounded: it stops with the application
				this.loops.add(Mono.defer(this::session)
					.onErrorResume((failure) -> Mono.empty())
					.then(Mono.delay(Duration.ofMillis(200)))
					.repeat(() -> !this.closed)
					.subscribe());
			}
		}

		private Mono<Void> session() {
			return this.client.execute(this.uri,
					(session) -> session.receive()
						.map(WebSocketMessage::getPayloadAsText)
						.doOnNext((pod) -> this.open.put(session, pod))
						.doFinally((signal) -> this.open.remove(session))
						.then());
		}

		Map<String, Long> counts() {
			Map<String, Long> counts = new TreeMap<>();
			this.open.values().forEach((pod) -> counts.merge(pod, 1L, Long::sum));
			return counts;
		}

		synchronized void sample() {
			this.samples.add(counts());
			if (this.samples.size() > HISTORY_SECONDS) {
				this.samples.remove(0);
			}
		}

		synchronized Map<String, long[]> history() {
			Map<String, long[]> history = new TreeMap<>();
			int offset = HISTORY_SECONDS - this.samples.size();
			for (int second = 0; second < this.samples.size(); second++) {
				int slot = offset + second;
				this.samples.get(second)
					.forEach((pod,
							count) -> history.computeIfAbsent(pod, (p) -> new long[HISTORY_SECONDS])[slot] = count);
			}
			return history;
		}

		void close() {
			this.closed = true;
			this.loops.forEach(Disposable::dispose);
		}

	}

}
