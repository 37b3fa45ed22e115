package io.connbalance.http;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RunningApp;
import io.connbalance.testsupport.TestCa;
import io.connbalance.testsupport.WebSocketPod;

import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.client.WebSocketClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * WebSocket sessions to {@code ws://backend/echo}, against real Reactor Netty WebSocket
 * servers on 127.0.0.2 and up: sessions open on the pod with the fewest, and with
 * rebalancing a pod that joins takes its share of the sessions of clients that reconnect.
 */
class WebSocketIntegrationTests {

	private static final URI ECHO = URI.create("ws://backend/echo");

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private final List<Sinks.Empty<Void>> held = new ArrayList<>();

	private PodServers<WebSocketPod> pods;

	private RunningApp app;

	@BeforeEach
	void start() throws Exception {
		this.pods = PodServers.start(3, WebSocketPod::start);
		this.pods.all().forEach((pod) -> this.discovery.add("backend", pod));
	}

	@AfterEach
	void stop() {
		this.held.forEach(Sinks.Empty::tryEmitEmpty);
		if (this.app != null) {
			this.app.close();
		}
		this.pods.close();
	}

	/** Opens a session that stays open until the test ends. */
	private void hold(WebSocketClient client) {
		Sinks.Empty<Void> end = Sinks.empty();
		this.held.add(end);
		client.execute(ECHO, (session) -> end.asMono()).subscribe(null, (failure) -> {
		});
	}

	private List<Integer> sessions() {
		return this.pods.map(WebSocketPod::sessions);
	}

	@Test
	void thirtySessionsSplitTenTenTenAndTheEndpointCountsThem() throws Exception {
		this.app = RunningApp.start(this.discovery);
		WebSocketClient client = this.app.bean(WebSocketClient.class);
		for (int i = 0; i < 30; i++) {
			hold(client);
			// one at a time: each sees the sessions opened before it
			int opened = i + 1;
			Await.until(Duration.ofSeconds(5), () -> sessions().stream().mapToInt(Integer::intValue).sum() == opened);
		}
		assertThat(sessions()).containsExactly(10, 10, 10);
		assertThat(this.app.podValues("backend", "/connections/websocket").values()).containsOnly(10L);
		// each handshake is a request of its pod's
		assertThat(this.app.podValues("backend", "/requests/total").values()).containsOnly(10L);
		assertThat(this.app.podValues("backend", "/requests/failed").values()).containsOnly(0L);
		MeterRegistry meters = this.app.bean(MeterRegistry.class);
		assertThat(meters.find("connbalance.connections").tags("service", "backend", "client", "websocket").gauges())
			.hasSize(3)
			.allSatisfy((gauge) -> assertThat(gauge.value()).isEqualTo(10));
	}

	@Test
	void theServletStacksStandardClientOpensSessionsOnThePodWithTheFewestToo() throws Exception {
		this.app = RunningApp.start(this.discovery);
		org.springframework.web.socket.client.WebSocketClient client = this.app
			.bean(org.springframework.web.socket.client.WebSocketClient.class);
		List<org.springframework.web.socket.WebSocketSession> open = new ArrayList<>();
		List<String> greetings = Collections.synchronizedList(new ArrayList<>());
		try {
			for (int i = 0; i < 9; i++) {
				open.add(client.execute(collecting(greetings), "ws://backend/echo").get(10, TimeUnit.SECONDS));
				open.get(i).sendMessage(new org.springframework.web.socket.TextMessage("hello"));
			}
			Await.until(Duration.ofSeconds(5), () -> greetings.size() == 9);
			assertThat(sessions()).containsExactly(3, 3, 3);
			assertThat(greetings).allMatch((greeting) -> greeting.matches("pod-[123]:hello"));
			assertThat(this.app.podValues("backend", "/connections/websocket").values()).containsOnly(3L);
		}
		finally {
			for (org.springframework.web.socket.WebSocketSession session : open) {
				session.close();
			}
		}
		Await.until(Duration.ofSeconds(5),
				() -> this.app.podValues("backend", "/connections/websocket")
					.values()
					.stream()
					.allMatch((count) -> count == 0));
	}

	@Test
	void wssSessionsVerifyEachPodAgainstTheServiceWithItsSslBundle(@TempDir Path directory) throws Exception {
		this.pods.close();
		TestCa ca = TestCa.create(directory);
		Path certificate = ca.issue("backend", "backend", null);
		this.pods = PodServers.start(3, WebSocketPod.secure(certificate, directory.resolve("backend.key")));
		this.discovery.clear("backend");
		this.pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		this.app = RunningApp.start(this.discovery,
				"spring.ssl.bundle.pem.backend-ca.truststore.certificate=file:" + ca.certificate(),
				"connbalance.services.backend.ssl-bundle=backend-ca");
		WebSocketClient client = this.app.bean(WebSocketClient.class);
		List<String> replies = Collections.synchronizedList(new ArrayList<>());
		for (int i = 0; i < 6; i++) {
			client
				.execute(URI.create("wss://backend/echo"),
						(session) -> session.send(Mono.just(session.textMessage("hello")))
							.thenMany(session.receive().map(WebSocketMessage::getPayloadAsText).take(1))
							.doOnNext(replies::add)
							.then())
				.block(Duration.ofSeconds(10));
		}
		// the pods' certificate names backend alone, no address: each session verified
		// its pod as the service
		assertThat(replies).hasSize(6).allMatch((reply) -> reply.matches("pod-[123]:hello"));
		// and so did the servlet stack's standard client
		org.springframework.web.socket.client.WebSocketClient standard = this.app
			.bean(org.springframework.web.socket.client.WebSocketClient.class);
		Await.until(Duration.ofSeconds(5), () -> sessions().equals(List.of(0, 0, 0)));
		List<String> standardReplies = Collections.synchronizedList(new ArrayList<>());
		List<org.springframework.web.socket.WebSocketSession> open = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			open.add(standard.execute(collecting(standardReplies), "wss://backend/echo").get(10, TimeUnit.SECONDS));
			open.get(i).sendMessage(new org.springframework.web.socket.TextMessage("hello"));
		}
		Await.until(Duration.ofSeconds(5), () -> standardReplies.size() == 6);
		assertThat(standardReplies).allMatch((reply) -> reply.matches("pod-[123]:hello"));
		assertThat(sessions()).containsExactly(2, 2, 2);
		for (org.springframework.web.socket.WebSocketSession session : open) {
			session.close();
		}
		// without the bundle the pods' certificate is not trusted
		this.app.close();
		this.app = RunningApp.start(this.discovery);
		WebSocketClient untrusting = this.app.bean(WebSocketClient.class);
		assertThatThrownBy(() -> untrusting.execute(URI.create("wss://backend/echo"), (session) -> Mono.empty())
			.block(Duration.ofSeconds(10))).hasStackTraceContaining("PKIX path building failed");
		org.springframework.web.socket.client.WebSocketClient untrustingStandard = this.app
			.bean(org.springframework.web.socket.client.WebSocketClient.class);
		assertThatThrownBy(() -> untrustingStandard.execute(collecting(standardReplies), "wss://backend/echo")
			.get(10, TimeUnit.SECONDS)).hasStackTraceContaining("PKIX path building failed");
	}

	private static org.springframework.web.socket.WebSocketHandler collecting(List<String> replies) {
		return new org.springframework.web.socket.handler.TextWebSocketHandler() {

			@Override
			protected void handleTextMessage(org.springframework.web.socket.WebSocketSession session,
					org.springframework.web.socket.TextMessage message) {
				replies.add(message.getPayload());
			}

		};
	}

	@Test
	void withoutRebalancingANewPodGetsOnlyNewSessions() throws Exception {
		this.app = RunningApp.start(this.discovery);
		WebSocketClient client = this.app.bean(WebSocketClient.class);
		for (int i = 0; i < 30; i++) {
			hold(client);
		}
		Await.until(Duration.ofSeconds(10), () -> sessions().equals(List.of(10, 10, 10)));
		WebSocketPod added = this.pods.add();
		this.discovery.add("backend", added);
		this.app.refresher().refreshNow();
		Thread.sleep(3000);
		assertThat(sessions()).containsExactly(10, 10, 10, 0);
		for (int i = 0; i < 5; i++) {
			hold(client);
		}
		Await.until(Duration.ofSeconds(10), () -> added.sessions() == 5);
		assertThat(sessions()).containsExactly(10, 10, 10, 5);
	}

	@Test
	void theSessionsOfAPodThatLeavesCloseWithGoingAwayAfterTheDrainTimeout() throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.websocket.drain-timeout=1s");
		WebSocketClient client = this.app.bean(WebSocketClient.class);
		List<Integer> closes = Collections.synchronizedList(new ArrayList<>());
		for (int i = 0; i < 6; i++) {
			client.execute(ECHO, (session) -> session.receive().then().doFinally((signal) -> closes.add(1)))
				.subscribe(null, (failure) -> {
				});
			int opened = i + 1;
			Await.until(Duration.ofSeconds(5), () -> sessions().stream().mapToInt(Integer::intValue).sum() == opened);
		}
		assertThat(sessions()).containsExactly(2, 2, 2);
		List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
		client
			.execute(ECHO,
					(session) -> session.closeStatus().doOnNext((status) -> statuses.add(status.getCode())).then())
			.subscribe(null, (failure) -> {
			});
		Await.until(Duration.ofSeconds(5), () -> sessions().stream().mapToInt(Integer::intValue).sum() == 7);
		WebSocketPod leaving = this.pods.get(this.pods.map(WebSocketPod::sessions).indexOf(3));
		this.discovery.remove("backend", leaving.host());
		long removed = System.nanoTime();
		this.app.refresher().refreshNow();
		Thread.sleep(500);
		assertThat(leaving.sessions()).as("sessions half a second after the pod left").isEqualTo(3);
		// listed, draining, while its sessions are open
		assertThat(this.app.pod("backend", leaving.name()).get("state").asString()).isEqualTo("draining");
		assertThat(this.app.pod("backend", leaving.name()).at("/connections/websocket").asInt()).isEqualTo(3);
		Await.until(Duration.ofSeconds(5), () -> leaving.sessions() == 0);
		Await.until(Duration.ofSeconds(5), () -> this.app.pod("backend", leaving.name()) == null);
		assertThat(Duration.ofNanos(System.nanoTime() - removed)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
		assertThat(closes).hasSize(2);
		// the seventh session went to the pod with the fewest, the one that left
		Await.until(Duration.ofSeconds(5), () -> !statuses.isEmpty());
		assertThat(statuses).containsExactly(1001);
		assertThat(sessions().stream().mapToInt(Integer::intValue).sum()).isEqualTo(4);
	}

	@Test
	void theSessionsOfAPodThatLeftCloseAtMostAHundredASecond() throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.websocket.drain-timeout=1s");
		WebSocketClient client = this.app.bean(WebSocketClient.class);
		for (int i = 0; i < 330; i++) {
			hold(client);
		}
		Await.until(Duration.ofSeconds(20), () -> sessions().equals(List.of(110, 110, 110)));
		WebSocketPod leaving = this.pods.get(2);
		this.discovery.remove("backend", leaving.host());
		this.app.refresher().refreshNow();
		// after the drain timeout, one second's closes, then the rest a second later
		Await.until(Duration.ofSeconds(5), () -> leaving.sessions() <= 10);
		int left = leaving.sessions();
		System.out.println(left + " sessions left after the first second's closes");
		assertThat(left).isEqualTo(10);
		Await.until(Duration.ofSeconds(5), () -> leaving.sessions() == 0);
	}

	@Test
	void withRebalancingAPodThatJoinsTakesItsShareAndReconnectingClientsLoseNoMessage() throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.websocket.rebalance=true");
		Crowd crowd = new Crowd(this.app.bean(WebSocketClient.class), 30);
		try (crowd) {
			Await.until(Duration.ofSeconds(10), () -> sessions().equals(List.of(10, 10, 10)));
			WebSocketPod added = this.pods.add();
			this.discovery.add("backend", added);
			this.app.refresher().refreshNow();
			long joined = System.nanoTime();
			Await.until(Duration.ofSeconds(30), () -> sessions().stream().allMatch((count) -> count == 7 || count == 8)
					&& sessions().stream().mapToInt(Integer::intValue).sum() == 30);
			System.out.println("Sessions " + sessions() + " " + Duration.ofNanos(System.nanoTime() - joined).toMillis()
					+ " ms after the 4th pod joined");
			// a while more, messages still flowing
			Thread.sleep(1000);
		}
		int reconnected = crowd.reconnectedLosingNothing();
		System.out.println(reconnected + " of 30 clients reconnected once or more");
		// 7 moves take 10/10/10/0 to 8/8/7/7
		assertThat(reconnected).as("clients moved by rebalancing").isBetween(7, 12);
	}

	@Test
	void theClientsOfAKilledPodReconnectToTheOthersLosingNoMessageAndThePodIsEjected() throws Exception {
		this.app = RunningApp.start(this.discovery);
		Crowd crowd = new Crowd(this.app.bean(WebSocketClient.class), 12);
		List<Chatter> chatters = crowd.chatters;
		try (crowd) {
			Await.until(Duration.ofSeconds(10), () -> sessions().equals(List.of(4, 4, 4)));
			// the pod's process dies: its connections close without a WebSocket close,
			// and its address refuses connections while discovery still lists it
			WebSocketPod killed = this.pods.get(2);
			killed.kill();
			long died = System.nanoTime();
			Await.until(Duration.ofSeconds(10),
					() -> sessions().subList(0, 2).equals(List.of(6, 6)) && chatters.stream()
						.allMatch((chatter) -> chatter.sessions.get() >= 1 && chatter.acked().size() > 5));
			System.out.println("Sessions " + sessions().subList(0, 2) + " "
					+ Duration.ofNanos(System.nanoTime() - died).toMillis() + " ms after a pod died");
			assertThat(this.app.pod("backend", killed.name()).get("state").asString()).isEqualTo("ejected");
			// refused handshakes ejected it: 5 in a row by default
			assertThat(this.app.podValues("backend", "/requests/failed").get(killed.name())).isGreaterThanOrEqualTo(5);
			Map<String, Long> acked = new TreeMap<>();
			chatters.forEach((chatter) -> acked.put("client-" + chatter.id, (long) chatter.acked().size()));
			// messages still flowing on every client
			Thread.sleep(500);
			chatters
				.forEach((chatter) -> assertThat((long) chatter.acked().size()).as("messages of client %s", chatter.id)
					.isGreaterThan(acked.get("client-" + chatter.id)));
		}
		assertThat(crowd.reconnectedLosingNothing()).as("clients of the killed pod").isEqualTo(4);
	}

	/**
	 * Opens a session that stays open until the test ends, and waits for its handshake.
	 * @return whether it opened
	 */
	private boolean open(WebSocketClient client) throws Exception {
		Sinks.Empty<Void> end = Sinks.empty();
		this.held.add(end);
		CompletableFuture<Boolean> opened = new CompletableFuture<>();
		client.execute(ECHO, (session) -> {
			opened.complete(true);
			return end.asMono();
		}).subscribe(null, (failure) -> opened.complete(false));
		return opened.get(30, TimeUnit.SECONDS);
	}

	/** Opens sessions one at a time until 12 have opened, and counts the attempts. */
	private int openTwelve(Callable<Boolean> open) throws Exception {
		int opened = 0;
		int attempts = 0;
		while (opened < 12 && attempts < 40) {
			attempts++;
			opened += open.call() ? 1 : 0;
		}
		assertThat(opened).as("sessions opened in %s attempts", attempts).isEqualTo(12);
		return attempts;
	}

	private void assertEjectedWithNothingLeftInFlight(String pod, String failure) throws Exception {
		assertThat(this.app.pod("backend", pod).get("state").asString()).isEqualTo("ejected");
		assertThat(this.app.pod("backend", pod).get("lastFailure").asString()).contains(failure);
		assertThat(this.app.podValues("backend", "/requests/inFlight").values()).containsOnly(0L);
	}

	@Test
	void aPodThatAnswersUpgradesWith503IsEjectedForEitherClient() throws Exception {
		this.pods.get(2).refuse(503);
		this.app = RunningApp.start(this.discovery);
		WebSocketClient client = this.app.bean(WebSocketClient.class);
		// the refusing pod holds no session, so it is the one with the fewest until it is
		// ejected: 5 refusals in a row
		assertThat(openTwelve(() -> open(client))).isEqualTo(17);
		Await.until(Duration.ofSeconds(5), () -> sessions().equals(List.of(6, 6, 0)));
		assertEjectedWithNothingLeftInFlight("pod-3", "503");
		this.held.forEach(Sinks.Empty::tryEmitEmpty);
		Await.until(Duration.ofSeconds(5), () -> sessions().equals(List.of(0, 0, 0)));
		this.app.close();

		this.app = RunningApp.start(this.discovery);
		org.springframework.web.socket.client.WebSocketClient standard = this.app
			.bean(org.springframework.web.socket.client.WebSocketClient.class);
		List<org.springframework.web.socket.WebSocketSession> open = new ArrayList<>();
		try {
			assertThat(openTwelve(() -> {
				try {
					open.add(standard.execute(collecting(new ArrayList<>()), "ws://backend/echo")
						.get(30, TimeUnit.SECONDS));
					return true;
				}
				catch (ExecutionException ex) {
					return false;
				}
			})).isEqualTo(17);
			Await.until(Duration.ofSeconds(5), () -> sessions().equals(List.of(6, 6, 0)));
			assertEjectedWithNothingLeftInFlight("pod-3", "503");
		}
		finally {
			for (org.springframework.web.socket.WebSocketSession session : open) {
				session.close();
			}
		}
	}

	@Test
	void aFrozenPodFailsItsHandshakesWithinTheReadTimeoutAndIsEjected() throws Exception {
		// a frozen process: the kernel completes its connections, nothing answers
		try (ServerSocket frozen = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.9"))) {
			this.discovery.add("backend", "127.0.0.9", frozen.getLocalPort(), Map.of("pod-name", "frozen"));
			this.app = RunningApp.start(this.discovery, "connbalance.services.backend.read-timeout=500ms");
			WebSocketClient client = this.app.bean(WebSocketClient.class);
			long started = System.nanoTime();
			int attempts = openTwelve(() -> open(client));
			Duration took = Duration.ofNanos(System.nanoTime() - started);
			System.out.println("12 sessions in " + attempts + " attempts and " + took.toMillis() + " ms");
			assertThat(attempts).isBetween(16, 17);
			assertThat(took).isLessThan(Duration.ofSeconds(10));
			Await.until(Duration.ofSeconds(5), () -> sessions().equals(List.of(4, 4, 4)));
			// sessions outlive the read timeout, which bounds only their handshake
			Thread.sleep(1000);
			assertThat(sessions()).containsExactly(4, 4, 4);
			assertEjectedWithNothingLeftInFlight("frozen", "No WebSocket handshake from pod frozen");
		}
	}

	/** Chatters, each on a thread of its own, stopped and awaited on close. */
	private static final class Crowd implements AutoCloseable {

		private final List<Chatter> chatters = new ArrayList<>();

		private final ExecutorService executor;

		private final List<Future<?>> running = new ArrayList<>();

		Crowd(WebSocketClient client, int size) {
			this.executor = Executors.newFixedThreadPool(size);
			for (int i = 0; i < size; i++) {
				Chatter chatter = new Chatter(i);
				this.chatters.add(chatter);
				this.running.add(this.executor.submit(() -> chatter.run(client)));
			}
		}

		@Override
		public void close() throws Exception {
			this.chatters.forEach(Chatter::stop);
			try {
				for (Future<?> future : this.running) {
					future.get(30, TimeUnit.SECONDS);
				}
			}
			finally {
				this.executor.shutdownNow();
			}
		}

		/**
		 * Checks that every chatter's acknowledged messages are complete and in order.
		 * @return how many chatters reconnected once or more
		 */
		int reconnectedLosingNothing() {
			int reconnected = 0;
			for (Chatter chatter : this.chatters) {
				List<Integer> acked = chatter.acked();
				assertThat(acked).as("messages of client %s", chatter.id).isNotEmpty();
				for (int i = 0; i < acked.size(); i++) {
					assertThat(acked.get(i)).as("message %s of client %s", i, chatter.id).isEqualTo(i);
				}
				reconnected += (chatter.sessions.get() > 1) ? 1 : 0;
			}
			return reconnected;
		}

	}

	/**
	 * A client that sends numbered messages one at a time, each after the echo of the one
	 * before, and reconnects when its session closes, sending again the message that was
	 * not answered.
	 */
	private static final class Chatter {

		private final int id;

		private final List<Integer> acked = Collections.synchronizedList(new ArrayList<>());

		private final AtomicInteger next = new AtomicInteger();

		private final AtomicInteger sessions = new AtomicInteger();

		private volatile boolean stopped;

		Chatter(int id) {
			this.id = id;
		}

		void run(WebSocketClient client) {
			long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
			while (!this.stopped && System.nanoTime() - deadline < 0) {
				try {
					client.execute(ECHO, this::session).block(Duration.ofSeconds(60));
				}
				catch (RuntimeException ex) {
					sleep();
				}
			}
		}

		private Mono<Void> session(WebSocketSession session) {
			this.sessions.incrementAndGet();
			Sinks.Many<String> out = Sinks.many().unicast().onBackpressureBuffer();
			out.tryEmitNext(Integer.toString(this.next.get()));
			Mono<Void> receive = session.receive().map(WebSocketMessage::getPayloadAsText).doOnNext((reply) -> {
				int number = Integer.parseInt(reply.substring(reply.indexOf(':') + 1));
				if (number == this.next.get()) {
					this.acked.add(number);
					this.next.incrementAndGet();
				}
				if (this.stopped) {
					out.tryEmitComplete();
					session.close().subscribe();
				}
				else {
					Mono.delay(Duration.ofMillis(20))
						.subscribe((tick) -> out.tryEmitNext(Integer.toString(this.next.get())));
				}
			}).doFinally((signal) -> out.tryEmitComplete()).then();
			return Mono.when(session.send(out.asFlux().map(session::textMessage)), receive);
		}

		void stop() {
			this.stopped = true;
		}

		List<Integer> acked() {
			return List.copyOf(this.acked);
		}

		private static void sleep() {
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
