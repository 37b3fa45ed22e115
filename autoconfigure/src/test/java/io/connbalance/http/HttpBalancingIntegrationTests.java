package io.connbalance.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.ClientKind;
import io.connbalance.testsupport.Distribution;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RunningApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Boot's WebClient and RestClient through connbalance, against real HTTP servers
 * on 127.0.0.2 and up: the fix, scale-up and scale-down.
 */
class HttpBalancingIntegrationTests {

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private PodServers<PodServer> pods;

	private RunningApp app;

	@BeforeEach
	void startPods() throws Exception {
		this.pods = PodServers.start(3);
		this.pods.all().forEach((pod) -> this.discovery.add("backend", pod));
	}

	@AfterEach
	void stop() {
		if (this.app != null) {
			this.app.close();
		}
		this.pods.close();
	}

	static List<Arguments> clientsAndStrategies() {
		List<Arguments> arguments = new ArrayList<>();
		for (ClientKind kind : ClientKind.values()) {
			for (String strategy : List.of("round-robin", "least-request")) {
				arguments.add(Arguments.of(kind, strategy));
			}
		}
		return arguments;
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("clientsAndStrategies")
	void requestsSpreadEvenlyOverKeepAliveConnectionsToEveryPod(ClientKind kind, String strategy) throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=" + strategy);
		Function<String, String> client = kind.client(this.app);
		for (int i = 0; i < 3000; i++) {
			assertThat(client.apply("http://backend/whoami")).startsWith("pod-");
		}
		Map<String, Long> served = this.pods.served();
		// round-robin takes each pod in turn; least-request, with one caller and nothing
		// in flight, picks at random: a pod's share of 3000 has a standard deviation of
		// 0.0086, and 0.04 is 4.6 of them
		Distribution.assertEven(served, 3, "round-robin".equals(strategy) ? 0.01 : 0.04);
		JsonNode endpoint = this.app.endpoint("backend");
		assertThat(endpoint.get("strategy").asString()).isEqualTo(strategy);
		assertThat(this.app.podValues("backend", "/requests/total")).isEqualTo(served);
		assertThat(this.app.podValues("backend", "/connections/http").values()).hasSize(3)
			.allSatisfy((open) -> assertThat(open).isBetween(1L, 2L));
		assertThat(this.app.podValues("backend", "/requests/failed").values()).containsOnly(0L);
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void hostsThatAreNotServicesPassThroughUntouched(ClientKind kind) throws Exception {
		this.app = RunningApp.start(this.discovery);
		PodServer direct = this.pods.get(1);
		String url = "http://" + direct.host() + ":" + direct.port() + "/whoami";
		assertThat(kind.client(this.app).apply(url)).isEqualTo("pod-2");
		assertThat(this.app.podValues("backend", "/requests/total").values()).containsOnly(0L);
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void aNewPodGetsRequestsWithinOneRefreshInterval(ClientKind kind) throws Exception {
		Duration interval = Duration.ofMillis(1000);
		this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=" + interval.toMillis() + "ms");
		Function<String, String> client = kind.client(this.app);
		for (int i = 0; i < 300; i++) {
			client.apply("http://backend/whoami");
		}
		PodServer added = this.pods.add();
		this.discovery.add("backend", added);
		long start = System.nanoTime();
		long deadline = start + Duration.ofSeconds(10).toNanos();
		while (added.served() == 0 && System.nanoTime() < deadline) {
			client.apply("http://backend/whoami");
		}
		Duration waited = Duration.ofNanos(System.nanoTime() - start);
		assertThat(added.served()).isPositive();
		assertThat(waited).isLessThanOrEqualTo(interval.plusMillis(500));
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void afterRefreshNowANewPodTakesItsShareAtOnce(ClientKind kind) throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=1h");
		Function<String, String> client = kind.client(this.app);
		for (int i = 0; i < 300; i++) {
			client.apply("http://backend/whoami");
		}
		PodServer added = this.pods.add();
		this.discovery.add("backend", added);
		this.app.refresher().refreshNow();
		Map<String, Long> before = this.pods.served();
		assertThat(client.apply("http://backend/whoami")).isNotNull();
		for (int i = 1; i < 4000; i++) {
			client.apply("http://backend/whoami");
		}
		Distribution.assertEven(this.pods.servedSince(before), 4, 0.05);
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void aPodThatLeavesGetsNothingNewFinishesItsRequestsAndClosesItsConnections(ClientKind kind) throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=1h",
				"connbalance.services.backend.strategy=round-robin");
		Function<String, String> client = kind.client(this.app);
		ExecutorService executor = Executors.newFixedThreadPool(3);
		try {
			List<Future<String>> slow = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				slow.add(executor.submit(() -> client.apply("http://backend/slow?ms=1500")));
			}
			PodServer leaving = this.pods.get(2);
			Await.until(Duration.ofSeconds(10), () -> this.pods.all().stream().allMatch((pod) -> pod.active() == 1));

			this.discovery.remove("backend", leaving.host());
			this.app.refresher().refreshNow();
			JsonNode draining = this.app.pod("backend", "pod-3");
			assertThat(draining.get("state").asString()).isEqualTo("draining");
			assertThat(draining.at("/requests/inFlight").asInt()).isEqualTo(1);

			for (int i = 0; i < 300; i++) {
				assertThat(client.apply("http://backend/whoami")).isNotEqualTo("pod-3");
			}
			List<String> answers = new ArrayList<>();
			for (Future<String> request : slow) {
				answers.add(request.get());
			}
			assertThat(answers).containsExactlyInAnyOrder("pod-1", "pod-2", "pod-3");
			// all it ever served is the request that was in flight when it left
			assertThat(leaving.served()).isEqualTo(1);
			Await.until(Duration.ofSeconds(10), () -> this.app.pod("backend", "pod-3") == null);
			assertThat(this.app.podValues("backend", "/connections/http")).containsOnlyKeys("pod-1", "pod-2");
			@SuppressWarnings("unchecked")
			PodClients<PodClient> podClients = this.app.context()
				.getBean((kind == ClientKind.WEB_CLIENT) ? "connbalanceReactorPodClients"
						: "connbalanceRestClientPodClients", PodClients.class);
			assertThat(podClients.openConnections("backend", io.connbalance.pod.Pod.of(leaving.host(), leaving.port())))
				.isZero();
		}
		finally {
			executor.shutdownNow();
		}
	}

}
