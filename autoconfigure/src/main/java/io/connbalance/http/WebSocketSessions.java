package io.connbalance.http;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.connbalance.balance.NoPodAvailableException;
import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.Pod;
import io.connbalance.refresh.Daemons;
import io.connbalance.stats.Client;
import io.connbalance.stats.ConnectionCounter;
import io.connbalance.stats.PodStats;

/**
 * The WebSocket sessions this client holds open to each pod: where a new session goes
 * (the pod with the fewest, never one draining, nor one ejected while another is not),
 * and, for services that ask for it, moving sessions off pods that hold more than their
 * share once a pod has joined.
 * <ul>
 * <li>Rebalancing closes the oldest session of the busiest pod with {@code 1012} (service
 * restart) while it holds two sessions more than the quietest, at most
 * {@value #CLOSES_PER_SECOND} a second per service, so that clients that reconnect land
 * on the pods with fewer.</li>
 * <li>A pod that leaves the service (or stops being one this client uses) keeps its
 * sessions for the drain timeout, then they close with {@code 1001} (going away), at most
 * {@value #DRAIN_CLOSES_PER_SECOND} a second per service.</li>
 * </ul>
 */
public final class WebSocketSessions implements ConnectionCounter {

	/** The most sessions a service's rebalancing closes each second. */
	static final int CLOSES_PER_SECOND = 5;

	/** The close code of a session moved to another pod. */
	static final int SERVICE_RESTART = 1012;

	/** The close code of a session of a pod that left. */
	static final int GOING_AWAY = 1001;

	/**
	 * The most sessions of pods that left a service closes each second, after their drain
	 * timeout: a pod with thousands of sessions sends its clients back a few hundred at a
	 * time instead of all at once.
	 */
	static final int DRAIN_CLOSES_PER_SECOND = 100;

	private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

	/** How long a handshake may take when the service sets no read timeout. */
	static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

	/** How long after a pod joins sessions are moved to it. */
	private static final Duration REBALANCE_WINDOW = Duration.ofSeconds(60);

	private static final Log logger = LogFactory.getLog(WebSocketSessions.class);

	/**
	 * The status of an answer that refused an upgrade, in Netty's or Tomcat's message.
	 */
	private static final Pattern UPGRADE_STATUS = Pattern.compile("(?:getStatus: |server \\[)(\\d{3})\\b");

	private final ServiceBalancers balancers;

	private final Map<String, Boolean> rebalance;

	private final Map<String, Duration> drainTimeouts;

	/** The open sessions of each pod, oldest first, by service and pod counters. */
	private final Map<String, Map<PodStats, ConcurrentLinkedDeque<Open>>> sessions = new ConcurrentHashMap<>();

	/** Sessions chosen for each pod and not yet open (their handshake runs). */
	private final Map<PodStats, Integer> opening = new ConcurrentHashMap<>();

	/** When each pod was first seen out of use, by service and pod counters. */
	private final Map<String, Map<PodStats, Long>> leftAt = new ConcurrentHashMap<>();

	/** Until when each service rebalances: a while after a pod joined, by key. */
	private final Map<String, Long> rebalanceUntil = new ConcurrentHashMap<>();

	private ScheduledExecutorService scheduler;

	/**
	 * Creates the registry of sessions.
	 * @param balancers the balancers
	 * @param rebalance whether each service rebalances its sessions, by key
	 * @param drainTimeouts how long the sessions of a pod that left stay open, by service
	 * key (30 s for a service not listed)
	 */
	public WebSocketSessions(ServiceBalancers balancers, Map<String, Boolean> rebalance,
			Map<String, Duration> drainTimeouts) {
		this.balancers = balancers;
		this.rebalance = Map.copyOf(rebalance);
		this.drainTimeouts = Map.copyOf(drainTimeouts);
		for (ServiceBalancer balancer : balancers.all()) {
			this.sessions.put(balancer.service(), new ConcurrentHashMap<>());
			this.leftAt.put(balancer.service(), new ConcurrentHashMap<>());
			// sessions are moved for a while after a pod joins, not whenever counts
			// differ
			balancer.addPodListener((pod) -> this.rebalanceUntil.put(balancer.service(),
					System.nanoTime() + REBALANCE_WINDOW.toNanos()));
		}
	}

	/** Starts the once-a-second look at the sessions (on the first session). */
	public synchronized void start() {
		if (this.scheduler == null) {
			this.scheduler = Daemons.scheduler("connbalance-websocket");
			this.scheduler.scheduleWithFixedDelay(this::tend, 1, 1, TimeUnit.SECONDS);
		}
	}

	/** Stops it; the sessions stay as they are. */
	public synchronized void stop() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
			this.scheduler = null;
		}
	}

	/**
	 * Chooses the pod of a new session: the one with the fewest sessions among the pods
	 * in use that are not ejected (or among all in use when all are), ties at random.
	 * @param balancer the service's balancer
	 * @return the handshake on that pod, to end exactly once
	 * @throws NoPodAvailableException when no pod is ready
	 */
	Handshake choose(ServiceBalancer balancer) {
		// one choice at a time per service, each counting those still opening
		start();
		PodStats chosen;
		synchronized (this.sessions.get(balancer.service())) {
			chosen = fewest(balancer);
			this.opening.merge(chosen, 1, Integer::sum);
		}
		return new Handshake(balancer.service(), chosen);
	}

	/**
	 * The service of a WebSocket URL.
	 * @param url a {@code ws} or {@code wss} URL
	 * @return the service key when the URL's host is one, else {@code null}
	 */
	String serviceKey(URI url) {
		String scheme = (url.getScheme() != null) ? url.getScheme().toLowerCase(Locale.ROOT) : "";
		String host = (url.getHost() != null) ? url.getHost().toLowerCase(Locale.ROOT) : null;
		return ((scheme.equals("ws") || scheme.equals("wss")) && host != null && this.sessions.containsKey(host)) ? host
				: null;
	}

	/**
	 * Ends the opening of a session chosen for a pod: it is open now, or it failed.
	 * @param pod the pod
	 */
	private void opened(PodStats pod) {
		this.opening.computeIfPresent(pod, (key, count) -> (count > 1) ? count - 1 : null);
	}

	private PodStats fewest(ServiceBalancer balancer) {
		Map<PodStats, ConcurrentLinkedDeque<Open>> byPod = this.sessions.get(balancer.service());
		List<PodStats> candidates = new ArrayList<>();
		List<PodStats> usable = balancer.pods()
			.stream()
			.filter((pod) -> balancer.isInUse(pod) && !pod.isRetired())
			.toList();
		List<PodStats> healthy = usable.stream().filter((pod) -> !balancer.isEjected(pod)).toList();
		int fewest = Integer.MAX_VALUE;
		for (PodStats pod : healthy.isEmpty() ? usable : healthy) {
			int count = countWithOpening(byPod, pod);
			if (count < fewest) {
				fewest = count;
				candidates.clear();
			}
			if (count == fewest) {
				candidates.add(pod);
			}
		}
		if (candidates.isEmpty()) {
			throw new NoPodAvailableException(balancer.service());
		}
		return candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
	}

	/**
	 * Counts a session that has opened on a pod, of any WebSocket client.
	 * @param service the service key
	 * @param pod the pod
	 * @param close closes the session with a close code
	 * @return what to run once the session has closed
	 */
	private Runnable open(String service, PodStats pod, IntConsumer close) {
		Open open = new Open(close, System.nanoTime());
		Map<PodStats, ConcurrentLinkedDeque<Open>> byPod = this.sessions.get(service);
		// added under the entry's lock, which the removal of an empty list takes too
		byPod.compute(pod, (key, existing) -> {
			ConcurrentLinkedDeque<Open> deque = (existing != null) ? existing : new ConcurrentLinkedDeque<>();
			deque.add(open);
			return deque;
		});
		// a pod that leaves stays listed, draining, while its sessions are open
		boolean held = pod.hold();
		AtomicBoolean closed = new AtomicBoolean();
		return () -> {
			byPod.computeIfPresent(pod, (key, deque) -> {
				deque.remove(open);
				return deque.isEmpty() ? null : deque;
			});
			if (held && closed.compareAndSet(false, true)) {
				pod.release();
			}
		};
	}

	private void tend() {
		try {
			long now = System.nanoTime();
			for (ServiceBalancer balancer : this.balancers.all()) {
				closeDrained(balancer, now);
				Long until = this.rebalanceUntil.get(balancer.service());
				if (Boolean.TRUE.equals(this.rebalance.get(balancer.service())) && until != null && now - until < 0) {
					rebalance(balancer);
				}
			}
		}
		catch (RuntimeException ex) {
			logger.error("connbalance's look at WebSocket sessions failed; the next one runs in a second", ex);
		}
	}

	/** Sessions on pods out of use for the drain timeout close with 1001. */
	private void closeDrained(ServiceBalancer balancer, long now) {
		Map<PodStats, ConcurrentLinkedDeque<Open>> byPod = this.sessions.get(balancer.service());
		Map<PodStats, Long> left = this.leftAt.get(balancer.service());
		Duration timeout = this.drainTimeouts.getOrDefault(balancer.service(), DRAIN_TIMEOUT);
		int[] budget = { DRAIN_CLOSES_PER_SECOND };
		byPod.forEach((pod, open) -> {
			if (balancer.isInUse(pod) && !pod.isRetired()) {
				left.remove(pod);
				return;
			}
			long since = left.computeIfAbsent(pod, (key) -> now);
			if (now - since >= timeout.toNanos()) {
				// each told once: out of the count as it closes; the rest in the next
				// seconds, so that their clients do not all reconnect at once
				while (budget[0] > 0) {
					Open session = open.pollFirst();
					if (session == null) {
						break;
					}
					budget[0]--;
					close(session, GOING_AWAY);
				}
			}
		});
		left.keySet().removeIf((pod) -> !byPod.containsKey(pod));
	}

	/**
	 * While one pod holds two sessions more than another, the busiest closes its oldest
	 * session with 1012 (its client reconnects to the pod with the fewest), a few a
	 * second.
	 */
	private void rebalance(ServiceBalancer balancer) {
		Map<PodStats, ConcurrentLinkedDeque<Open>> byPod = this.sessions.get(balancer.service());
		List<PodStats> inUse = balancer.pods()
			.stream()
			.filter((pod) -> balancer.isInUse(pod) && !pod.isRetired() && !balancer.isEjected(pod))
			.toList();
		if (inUse.size() < 2) {
			return;
		}
		Map<PodStats, Integer> counts = new java.util.HashMap<>();
		// sessions still opening count where they go
		inUse.forEach((pod) -> counts.put(pod, countWithOpening(byPod, pod)));
		Comparator<PodStats> byCount = Comparator.comparingInt(counts::get);
		for (int closed = 0; closed < CLOSES_PER_SECOND; closed++) {
			PodStats busiest = inUse.stream().max(byCount).orElseThrow();
			PodStats quietest = inUse.stream().min(byCount).orElseThrow();
			if (counts.get(busiest) - counts.get(quietest) <= 1) {
				return;
			}
			ConcurrentLinkedDeque<Open> open = byPod.get(busiest);
			Open oldest = (open != null) ? open.pollFirst() : null;
			if (oldest == null) {
				return;
			}
			close(oldest, SERVICE_RESTART);
			// its client reconnects to the pod with the fewest
			counts.merge(busiest, -1, Integer::sum);
			counts.merge(quietest, 1, Integer::sum);
		}
	}

	private static void close(Open open, int code) {
		try {
			open.close().accept(code);
		}
		catch (RuntimeException ex) {
			// the session closes or has closed; the others are told all the same
			logger.debug("A WebSocket session did not take its close " + code, ex);
		}
	}

	/** A pod's open sessions and those still opening there. */
	private int countWithOpening(Map<PodStats, ConcurrentLinkedDeque<Open>> byPod, PodStats pod) {
		return count(byPod, pod) + this.opening.getOrDefault(pod, 0);
	}

	private static int count(Map<PodStats, ConcurrentLinkedDeque<Open>> byPod, PodStats pod) {
		ConcurrentLinkedDeque<Open> open = byPod.get(pod);
		return (open != null) ? open.size() : 0;
	}

	@Override
	public String kind() {
		return "websocket";
	}

	@Override
	public int openConnections(String service, Pod pod) {
		Map<PodStats, ConcurrentLinkedDeque<Open>> byPod = this.sessions.get(service);
		if (byPod == null) {
			return 0;
		}
		int open = 0;
		for (Map.Entry<PodStats, ConcurrentLinkedDeque<Open>> entry : byPod.entrySet()) {
			if (entry.getKey().pod().address().equals(pod.address())) {
				open += entry.getValue().size();
			}
		}
		return open;
	}

	/**
	 * How many sessions are open to each pod of a service, by pod name.
	 * @param service the service key
	 * @return the counts
	 */
	public Map<String, Integer> sessions(String service) {
		Map<String, Integer> counts = new java.util.TreeMap<>();
		this.sessions.getOrDefault(service, Map.of())
			.forEach((pod, open) -> counts.merge(pod.pod().name(), open.size(), Integer::sum));
		return counts;
	}

	private record Open(IntConsumer close, long openedAt) {
	}

	/**
	 * How long a session's handshake may take: the service's read timeout, else
	 * {@link #HANDSHAKE_TIMEOUT}.
	 * @param options the service's options, or {@code null}
	 * @return the timeout
	 */
	static Duration handshakeTimeout(ClientOptions options) {
		return (options != null && options.readTimeout() != null) ? options.readTimeout() : HANDSHAKE_TIMEOUT;
	}

	/**
	 * Whether a failed handshake says that its pod failed: as for any HTTP request (it
	 * could not be reached, its connection broke), and also when the handshake timed out
	 * or the pod answered the upgrade with a 5xx status. A 4xx answer (a wrong path, a
	 * refused credential) is the client's, as every pod would give it.
	 * @param failure the failure
	 * @return {@code true} if it counts toward the pod's ejection
	 */
	static boolean isPodFailure(Throwable failure) {
		if (Retries.isPodFailure(failure)) {
			return true;
		}
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (cause instanceof TimeoutException) {
				return true;
			}
			// Netty: "Invalid handshake response getStatus: 503 ..."; Tomcat: "The HTTP
			// response from the server [503] did not permit the HTTP upgrade ..."
			Matcher status = UPGRADE_STATUS.matcher(String.valueOf(cause.getMessage()));
			if (status.find() && status.group(1).startsWith("5")) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The opening of a session on a pod: an HTTP request of the pod's like any other, so
	 * a handshake that succeeds resets the pod's count of consecutive failures, one that
	 * fails counts toward its ejection, and both are timed and counted.
	 */
	final class Handshake {

		private final String service;

		private final PodStats pod;

		private final long sent;

		private final boolean counted;

		private final AtomicBoolean ended = new AtomicBoolean();

		private Handshake(String service, PodStats pod) {
			this.service = service;
			this.pod = pod;
			this.sent = pod.now();
			this.counted = pod.begin();
		}

		/**
		 * The pod chosen.
		 * @return the pod
		 */
		Pod pod() {
			return this.pod.pod();
		}

		/**
		 * Ends the handshake with a session open.
		 * @param close closes the session with a code, when it must move
		 * @return what the client runs when the session has closed
		 */
		Runnable succeeded(IntConsumer close) {
			// counted among the pod's sessions before it stops counting as opening
			Runnable closed = open(this.service, this.pod, close);
			if (this.ended.compareAndSet(false, true)) {
				opened(this.pod);
				if (this.counted) {
					this.pod.responded(this.sent);
					this.pod.end(Client.WEBSOCKET, this.sent, false, false);
				}
			}
			return closed;
		}

		/**
		 * Ends the handshake with a failure, unless it has ended already: a pod that
		 * refuses sessions (a connection refused or broken, a handshake that timed out, a
		 * 5xx answer to the upgrade) must not draw every new one.
		 * @param failure why
		 */
		void failed(Throwable failure) {
			if (end() && this.counted) {
				this.pod.endWithoutResponse(Client.WEBSOCKET, this.sent, true, isPodFailure(failure), failure);
			}
		}

		/** Ends a handshake its caller cancelled, unless it has ended already. */
		void cancelled() {
			if (end() && this.counted) {
				this.pod.endCancelled(this.sent, false, false);
			}
		}

		private boolean end() {
			if (!this.ended.compareAndSet(false, true)) {
				return false;
			}
			opened(this.pod);
			return true;
		}

	}

}
