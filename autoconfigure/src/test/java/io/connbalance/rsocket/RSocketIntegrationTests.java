package io.connbalance.rsocket;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.rsocket.Payload;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.DefaultPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.Distribution;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.RunningApp;

import org.springframework.messaging.rsocket.RSocketRequester;
import org.springframework.util.MimeTypeUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RSocket request-response over connbalance's transports, against real rsocket-java TCP
 * servers on 127.0.0.2 and up.
 */
class RSocketIntegrationTests {

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private final List<CloseableChannel> servers = new ArrayList<>();

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
		this.servers.forEach(CloseableChannel::dispose);
	}

	private String addPod(int n) {
		String name = "pod-" + n;
		String host = "127.0.0." + (n + 1);
		AtomicLong count = new AtomicLong();
		this.served.put(name, count);
		CloseableChannel server = RSocketServer.create(SocketAcceptor.forRequestResponse((payload) -> {
			count.incrementAndGet();
			boolean slow = payload.getDataUtf8().equals("slow");
			payload.release();
			Mono<Payload> answer = Mono.just(DefaultPayload.create(name));
			return slow ? answer.delayElement(Duration.ofMillis(1500)) : answer;
		})).bind(TcpServerTransport.create(new InetSocketAddress(host, this.port))).block();
		this.servers.add(server);
		this.port = server.address().getPort();
		this.discovery.add("backend", host, this.port, Map.of("pod-name", name));
		return name;
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

}
