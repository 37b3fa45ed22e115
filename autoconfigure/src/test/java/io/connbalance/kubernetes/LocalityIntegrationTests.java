package io.connbalance.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.Distribution;
import io.connbalance.testsupport.FaultLoad;
import io.connbalance.testsupport.FaultLoad.Call;
import io.connbalance.testsupport.KubernetesApiStandIn;
import io.connbalance.testsupport.KubernetesApiStandIn.Endpoint;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RunningApp;

import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Zone- and node-aware routing through the Kubernetes API stand-in: 6 pods, 2 in each of
 * zones a, b and c, real HTTP servers on 127.0.0.2 to 127.0.0.7.
 */
class LocalityIntegrationTests {

	private static final String NAMESPACE = "shop";

	private KubernetesApiStandIn api;

	private PodServers<PodServer> pods;

	private RunningApp app;

	@BeforeEach
	void start() throws Exception {
		this.api = KubernetesApiStandIn.start();
		this.pods = PodServers.start(6);
	}

	@AfterEach
	void stop() {
		if (this.app != null) {
			this.app.close();
		}
		this.pods.close();
		this.api.close();
	}

	/**
	 * pod-1 and pod-2 in zone-a, pod-3 and pod-4 in zone-b, pod-5 and pod-6 in zone-c.
	 */
	private static String zoneOf(int index) {
		return "zone-" + (char) ('a' + index / 2);
	}

	private void publish(UnaryOperator<Endpoint> change) {
		List<Endpoint> endpoints = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			endpoints.add(change.apply(Endpoint.of(this.pods.get(i), zoneOf(i))));
		}
		this.api.publish(NAMESPACE, "backend", "http", this.pods.port(), 100, endpoints);
	}

	private static UnaryOperator<Endpoint> hintedForOwnZone() {
		return (endpoint) -> endpoint.hintedFor(endpoint.zone());
	}

	private void startApp(String... properties) {
		List<String> all = new ArrayList<>(List.of("spring.main.cloud-platform=kubernetes",
				"spring.cloud.kubernetes.client.namespace=" + NAMESPACE, "connbalance.services.backend.port-name=http",
				"connbalance.services.backend.strategy=round-robin", "connbalance.refresh.interval=1m"));
		all.addAll(List.of(properties));
		this.app = RunningApp.start(
				(context) -> context.getBeanFactory().registerSingleton("kubernetesApiClient", this.api.client()),
				List.of(), all.toArray(String[]::new));
	}

	private Map<String, Long> send(int requests) {
		RestClient client = this.app.restClient();
		Map<String, Long> before = this.pods.served();
		for (int i = 0; i < requests; i++) {
			client.get().uri("http://backend/whoami").retrieve().body(String.class);
		}
		return this.pods.servedSince(before)
			.entrySet()
			.stream()
			.filter((entry) -> entry.getValue() > 0)
			.collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
	}

	@Test
	void withZoneHintsTheClientsZoneTakesItsRequestsEvenly() throws Exception {
		publish(hintedForOwnZone());
		startApp("connbalance.zone=zone-a");
		Map<String, Long> served = send(600);
		assertThat(served.keySet()).containsExactlyInAnyOrder("pod-1", "pod-2");
		Distribution.assertEven(served, 2, 0.02);
		JsonNode endpoint = this.app.endpoint("backend");
		assertThat(endpoint.get("locality").asString()).isEqualTo("hints");
		List<String> local = new ArrayList<>();
		endpoint.get("pods").forEach((pod) -> {
			if (pod.get("local").asBoolean()) {
				local.add(pod.get("name").asString());
			}
		});
		assertThat(local).containsExactly("pod-1", "pod-2");
		JsonNode client = RunningApp.parse(this.app.get("/actuator/connbalance").body()).get("client");
		assertThat(client.get("zone").asString()).isEqualTo("zone-a");
	}

	@Test
	void whenTheLocalPodsTurnUnreadyTheOtherZonesTakeOverAtOnceAndHandBackWhenTheyReturn() throws Exception {
		publish(hintedForOwnZone());
		startApp("connbalance.zone=zone-a");
		RestClient client = this.app.restClient();
		Function<Void, String> request = (
				nothing) -> client.get().uri("http://backend/whoami").retrieve().body(String.class);
		List<Call> away = FaultLoad
			.run(2, () -> request.apply(null), Duration.ofSeconds(1),
					() -> publish((endpoint) -> endpoint.zone().equals("zone-a")
							? endpoint.hintedFor("zone-a").asNotReady() : endpoint.hintedFor(endpoint.zone())),
					Duration.ofSeconds(3));
		assertThat(FaultLoad.failed(away)).as("failed: %s", FaultLoad.errors(away)).isZero();
		assertThat(pods(FaultLoad.between(away, Duration.ofSeconds(-1), Duration.ZERO)))
			.allMatch((pod) -> pod.equals("pod-1") || pod.equals("pod-2"));
		List<String> after = pods(FaultLoad.between(away, Duration.ofSeconds(2), Duration.ofSeconds(3)));
		assertThat(after).isNotEmpty().noneMatch((pod) -> pod.equals("pod-1") || pod.equals("pod-2"));
		assertThat(after).contains("pod-3", "pod-4", "pod-5", "pod-6");

		List<Call> back = FaultLoad.run(2, () -> request.apply(null), Duration.ofSeconds(1),
				() -> publish(hintedForOwnZone()), Duration.ofSeconds(3));
		assertThat(FaultLoad.failed(back)).as("failed: %s", FaultLoad.errors(back)).isZero();
		List<String> returned = pods(FaultLoad.between(back, Duration.ofSeconds(2), Duration.ofSeconds(3)));
		assertThat(returned).isNotEmpty().allMatch((pod) -> pod.equals("pod-1") || pod.equals("pod-2"));
	}

	@Test
	void withoutHintsEveryPodTakesItsShare() throws Exception {
		publish(UnaryOperator.identity());
		startApp("connbalance.zone=zone-a");
		Distribution.assertEven(send(600), 6, 0.02);
	}

	@Test
	void whenOnlySomeEndpointsHaveHintsEveryPodTakesItsShareAsWithKubeProxy() throws Exception {
		publish((endpoint) -> endpoint.zone().equals("zone-c") ? endpoint : endpoint.hintedFor(endpoint.zone()));
		startApp("connbalance.zone=zone-a");
		Distribution.assertEven(send(600), 6, 0.02);
	}

	@Test
	void preferZoneKeepsRequestsInTheClientsZoneWithoutHints() throws Exception {
		publish(UnaryOperator.identity());
		startApp("connbalance.zone=zone-b", "connbalance.services.backend.locality=prefer-zone");
		Map<String, Long> served = send(600);
		assertThat(served.keySet()).containsExactlyInAnyOrder("pod-3", "pod-4");
		Distribution.assertEven(served, 2, 0.02);
	}

	@Test
	void localityOffIgnoresHints() throws Exception {
		publish(hintedForOwnZone());
		startApp("connbalance.zone=zone-a", "connbalance.defaults.locality=off");
		Distribution.assertEven(send(600), 6, 0.02);
	}

	@Test
	void nodeHintsKeepRequestsOnTheClientsNode() throws Exception {
		publish((endpoint) -> endpoint.onNodeHinted("node-" + endpoint.pod()).hintedFor(endpoint.zone()));
		startApp("connbalance.zone=zone-a", "connbalance.node-name=node-pod-5");
		assertThat(send(100)).isEqualTo(Map.of("pod-5", 100L));
	}

	@Test
	void theClientLearnsItsZoneFromItsOwnServicesEndpointSlices() throws Exception {
		publish(hintedForOwnZone());
		this.api.publish(NAMESPACE, "frontend", "http", 8080, 100,
				List.of(new Endpoint("frontend-1", "127.0.0.40", "zone-c", true, false),
						new Endpoint("frontend-2", "127.0.0.41", "zone-a", true, false)));
		startApp("connbalance.kubernetes.pod-name=frontend-1");
		Await.until(Duration.ofSeconds(5), () -> "zone-c"
			.equals(RunningApp.parse(this.app.get("/actuator/connbalance").body()).at("/client/zone").asString()));
		Map<String, Long> served = send(300);
		assertThat(served.keySet()).containsExactlyInAnyOrder("pod-5", "pod-6");
		JsonNode client = RunningApp.parse(this.app.get("/actuator/connbalance").body()).get("client");
		assertThat(client.get("pod").asString()).isEqualTo("frontend-1");
		assertThat(client.get("peers").asInt()).isEqualTo(2);
	}

	private static List<String> pods(List<Call> calls) {
		return calls.stream().map(Call::pod).toList();
	}

}
