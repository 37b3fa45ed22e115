package io.connbalance.balance;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.GrpcPodServer;
import io.connbalance.testsupport.ManyPods;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.RunningApp;

import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A service of 500 pods, each on its own loopback address, and a client with a subset of
 * 20: it connects to 20 pods and spreads its requests evenly over them.
 */
class SubsetIntegrationTests {

	private static final int PODS = 500;

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private ManyPods pods;

	private RunningApp app;

	@AfterEach
	void stop() {
		if (this.app != null) {
			this.app.close();
		}
		if (this.pods != null) {
			this.pods.close();
		}
	}

	private void start() {
		this.pods.hosts().forEach((host) -> this.discovery.add("backend", host, this.pods.port(), Map.of()));
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin",
				"connbalance.services.backend.subset-size=20");
	}

	@Test
	void restClientRequestsGoToTwentyPodsEvenly() throws Exception {
		this.pods = ManyPods.http(PODS);
		start();
		RestClient client = this.app.restClient();
		for (int i = 0; i < 1000; i++) {
			client.get().uri("http://backend/whoami").retrieve().body(String.class);
		}
		assertThat(this.pods.served()).hasSize(20).allSatisfy((host, count) -> assertThat(count).isEqualTo(50));
		JsonNode endpoint = this.app.endpoint("backend");
		assertThat(endpoint.get("subsetSize").asInt()).isEqualTo(20);
		int selected = 0;
		int connected = 0;
		for (JsonNode pod : endpoint.get("pods")) {
			selected += pod.get("selected").asBoolean() ? 1 : 0;
			connected += (pod.at("/connections/http").asInt() > 0) ? 1 : 0;
			if (!pod.get("selected").asBoolean()) {
				assertThat(pod.at("/requests/total").asLong()).isZero();
			}
		}
		assertThat(endpoint.get("pods")).hasSize(PODS);
		assertThat(selected).isEqualTo(20);
		assertThat(connected).isLessThanOrEqualTo(20).isPositive();
	}

	@Test
	void aGrpcChannelConnectsToTwentyPodsAndSpreadsItsCallsEvenly() throws Exception {
		this.pods = ManyPods.grpc(PODS);
		start();
		ManagedChannel channel = ManagedChannelBuilder.forTarget("connbalance:///backend").usePlaintext().build();
		try {
			// the channel connects to its subset at once; calls go to the connected pods
			GrpcPodServer.who(channel);
			Await.until(Duration.ofSeconds(10), () -> this.pods.connections().size() >= 20);
			Map<String, Long> before = this.pods.served();
			for (int i = 0; i < 1000; i++) {
				GrpcPodServer.who(channel);
			}
			Map<String, Long> served = new TreeMap<>(this.pods.served());
			before.forEach((host, count) -> served.merge(host, -count, Long::sum));
			assertThat(served).hasSize(20).allSatisfy((host, count) -> assertThat(count).isEqualTo(50));
			assertThat(served.keySet()).isEqualTo(this.pods.connections().keySet());
		}
		finally {
			channel.shutdownNow();
		}
		assertThat(this.pods.connections()).hasSize(20).allSatisfy((host, count) -> assertThat(count).isEqualTo(1));
	}

}
