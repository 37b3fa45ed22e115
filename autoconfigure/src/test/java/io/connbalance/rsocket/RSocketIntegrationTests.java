package io.connbalance.rsocket;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.DefaultPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpServer;
import reactor.netty.tcp.TcpSslContextSpec;

import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.Distribution;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.RunningApp;
import io.connbalance.testsupport.TestCa;

import org.springframework.messaging.rsocket.RSocketRequester;
import org.springframework.util.MimeTypeUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * RSocket request-response over connbalance's transports, against real rsocket-java TCP
 * servers on 127.0.0.2 and up.
 */
class RSocketIntegrationTests {

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private final Map<String, CloseableChannel> servers = new TreeMap<>();

	private final Map<String, List<RSocket>> connections = new TreeMap<>();

	/** How long each pod takes to answer, when not at once. */
	private final Map<String, Long> delays = new ConcurrentHashMap<>();

	private final Map<String, AtomicLong> served = new TreeMap<>();

	private RunningApp app;

	private int port;

	@BeforeEach
	void start() {
		for (int i = 1; i <= 3; i++) {
			addPod(i);
		}
	}

	@AfterEach
	void stop() {
		if (this.app != null) {
			this.app.close();
		}
		this.servers.values().forEach(CloseableChannel::dispose);
	}

	private String addPod(int n) {
		return addPod(n, null, null);
	}

	/** Starts pod-n on 127.0.0.(n+1), over TLS with a certificate when one is given. */
	private String addPod(int n, Path certificate, Path key) {
		String name = "pod-" + n;
		String host = "127.0.0." + (n + 1);
		AtomicLong count = new AtomicLong();
		this.served.put(name, count);
		RSocket handler = new RSocket() {

			@Override
			public Mono<Payload> requestResponse(Payload payload) {
				count.incrementAndGet();
				boolean slow = payload.getDataUtf8().equals("slow");
				payload.release();
				Mono<Payload> answer = Mono.just(DefaultPayload.create(name));
				long delay = slow ? 1500 : RSocketIntegrationTests.this.delays.getOrDefault(name, 0L);
				return (delay > 0) ? answer.delayElement(Duration.ofMillis(delay)) : answer;
			}

		};
		List<RSocket> connections = new CopyOnWriteArrayList<>();
		this.connections.put(name, connections);
		TcpServer tcp = TcpServer.create().host(host).port(this.port);
		if (certificate != null) {
			tcp = tcp
				.secure((spec) -> spec.sslContext(TcpSslContextSpec.forServer(certificate.toFile(), key.toFile())));
		}
		CloseableChannel server = RSocketServer.create((setup, sendingSocket) -> {
			connections.add(sendingSocket);
			return Mono.just(handler);
		}).bind(TcpServerTransport.create(tcp)).block();
		this.servers.put(name, server);
		this.port = server.address().getPort();
		this.discovery.add("backend", host, this.port, Map.of("pod-name", name));
		return name;
	}

	/**
	 * The pod's process dies: its connections close, and its address refuses new ones.
	 */
	private void kill(String name) {
		this.servers.get(name).dispose();
		this.servers.get(name).onClose().block(Duration.ofSeconds(5));
		this.connections.get(name).forEach(RSocket::dispose);
	}

	private Map<String, Long> served() {
		Map<String, Long> counts = new TreeMap<>();
		this.served.forEach((name, count) -> counts.put(name, count.get()));
		return counts;
	}

	private RSocketRequester requester() {
		RSocketRequester.Builder builder = this.app.bean(RSocketRequester.Builder.class)
			.dataMimeType(MimeTypeUtils.TEXT_PLAIN);
		return this.app.bean(ServiceRSocketTargets.class).requester(builder, "backend");
	}

	private static String call(RSocketRequester requester) {
		return requester.route("who").data("?").retrieveMono(String.class).block(Duration.ofSeconds(10));
	}

	@Test
	void aPodThatLeavesFinishesItsRequestsAndGetsNoNewOnes() throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin");
		RSocketRequester requester = requester();
		for (int i = 0; i < 30; i++) {
			call(requester);
		}
		// one slow request on each pod, then pod-3 leaves while they run
		List<CompletableFuture<String>> slow = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			slow.add(requester.route("who").data("slow").retrieveMono(String.class).toFuture());
		}
		Thread.sleep(300);
		this.discovery.remove("backend", "127.0.0.4");
		this.app.refresher().refreshNow();
		Map<String, Long> before = served();
		for (int i = 0; i < 60; i++) {
			call(requester);
		}
		Map<String, Long> after = served();
		assertThat(after.get("pod-3")).as("requests to the pod that left").isEqualTo(before.get("pod-3"));
		List<String> answers = new ArrayList<>();
		for (CompletableFuture<String> request : slow) {
			answers.add(request.get(10, TimeUnit.SECONDS));
		}
		assertThat(answers).containsExactlyInAnyOrder("pod-1", "pod-2", "pod-3");
		Await.until(Duration.ofSeconds(5), () -> this.app.pod("backend", "pod-3") == null);
		assertThat(this.app.podValues("backend", "/requests/failed").values()).containsOnly(0L);
		requester.dispose();
	}

	@Test
	void requestsSpreadEvenlyAreCountedPerPodAndANewPodIsUsedWithinASecond() throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin");
		RSocketRequester requester = requester();
		for (int i = 0; i < 300; i++) {
			assertThat(call(requester)).startsWith("pod-");
		}
		Distribution.assertEven(served(), 3, 0.05);
		assertThat(this.app.podValues("backend", "/requests/total")).isEqualTo(served());
		assertThat(this.app.podValues("backend", "/requests/inFlight").values()).containsOnly(0L);

		String added = addPod(4);
		this.app.refresher().refreshNow();
		long joined = System.nanoTime();
		long reached = 0;
		for (int i = 0; i < 2000 && reached == 0; i++) {
			call(requester);
			if (this.served.get(added).get() > 0) {
				reached = System.nanoTime();
			}
		}
		assertThat(reached).as("a call reached the new pod").isNotZero();
		Duration after = Duration.ofNanos(reached - joined);
		System.out.println("The new pod took its first call " + after.toMillis() + " ms after it joined");
		assertThat(after).isLessThan(Duration.ofSeconds(1));
		requester.dispose();
	}

	@Test
	void aKilledPodsRequestsGoToTheOthersWithNoneFailed() throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin");
		RSocketRequester requester = requester();
		for (int i = 0; i < 30; i++) {
			call(requester);
		}
		assertThat(served()).containsValues(10L, 10L, 10L);
		// pod-3 dies while discovery still lists it
		kill("pod-3");
		// a request that meets the connection as it closes fails (RSocket requests
		// are not retried): these are the ones sent once the client has seen it close
		Thread.sleep(200);
		Map<String, Long> before = served();
		for (int i = 0; i < 60; i++) {
			assertThat(call(requester)).isIn("pod-1", "pod-2");
		}
		Map<String, Long> after = served();
		assertThat(after.get("pod-1") - before.get("pod-1")).isEqualTo(30);
		assertThat(after.get("pod-2") - before.get("pod-2")).isEqualTo(30);
		assertThat(this.app.podValues("backend", "/requests/failed")).containsEntry("pod-1", 0L)
			.containsEntry("pod-2", 0L);
		requester.dispose();
	}

	@Test
	void aServiceWithAnSslBundleConnectsOverTlsVerifyingEachPodAsTheService(@TempDir Path directory) throws Exception {
		stop();
		this.discovery.clear("backend");
		this.served.clear();
		this.servers.clear();
		this.port = 0;
		TestCa ca = TestCa.create(directory);
		Path certificate = ca.issue("backend", "backend", null);
		for (int i = 1; i <= 3; i++) {
			addPod(i, certificate, directory.resolve("backend.key"));
		}
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin",
				"spring.ssl.bundle.pem.backend-ca.truststore.certificate=file:" + ca.certificate(),
				"connbalance.services.backend.ssl-bundle=backend-ca");
		RSocketRequester requester = requester();
		// the pods' certificate names backend alone, no address: each connection verified
		// its pod as the service
		for (int i = 0; i < 30; i++) {
			assertThat(call(requester)).startsWith("pod-");
		}
		assertThat(served()).containsValues(10L, 10L, 10L);
		requester.dispose();
		// without the bundle the pods' certificate is not trusted: no request
		// reaches them
		this.app.close();
		this.app = RunningApp.start(this.discovery);
		RSocketRequester untrusting = requester();
		assertThatThrownBy(
				() -> untrusting.route("who").data("?").retrieveMono(String.class).block(Duration.ofSeconds(3)))
			.isNotNull();
		assertThat(served()).containsValues(10L, 10L, 10L);
		untrusting.dispose();
	}

	@Test
	void theDefaultStrategyWeighsPodsByLatencySoASlowPodGetsFewRequests() throws Exception {
		this.delays.put("pod-1", 50L);
		this.app = RunningApp.start(this.discovery);
		RSocketRequester requester = requester();
		ExecutorService callers = Executors.newFixedThreadPool(4);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				running.add(callers.submit(() -> {
					for (int call = 0; call < 100; call++) {
						call(requester);
					}
				}));
			}
			for (Future<?> caller : running) {
				caller.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			callers.shutdownNow();
		}
		Map<String, Long> served = served();
		System.out.println("Weighted strategy, pod-1 50 ms slower: " + served);
		// at random (weights not kept) the slow pod would take a third
		assertThat(served.get("pod-1")).isLessThan(40);
		assertThat(served.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(400);
		requester.dispose();
	}

}
