package io.connbalance.actuate;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RunningApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/connbalance} over HTTP: the JSON shape of the contract.
 */
class ConnbalanceEndpointWebTests {

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private PodServers<PodServer> pods;

	private RunningApp app;

	@BeforeEach
	void start() throws Exception {
		this.pods = PodServers.start(3);
		// added out of order: the endpoint sorts by name
		for (int i = 2; i >= 0; i--) {
			this.discovery.add("backend-svc", this.pods.get(i));
		}
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.service-id=backend-svc",
				"connbalance.services.pg.service-id=pg", "connbalance.datasources.replicas.service=pg",
				"connbalance.datasources.replicas.url=jdbc:postgresql://{host}:{port}/app",
				"connbalance.datasources.replicas.username=app",
				"connbalance.datasources.replicas.password=s3cr3t-Pa55");
		var client = this.app.restClient();
		for (int i = 0; i < 30; i++) {
			client.get().uri("http://backend/whoami").retrieve().body(String.class);
		}
	}

	@AfterEach
	void stop() {
		this.app.close();
		this.pods.close();
	}

	@Test
	void theEndpointDescribesEachServiceAndPodWithTheContractsFieldsAndTypes() throws Exception {
		HttpResponse<String> response = this.app.get("/actuator/connbalance");
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode body = RunningApp.parse(response.body());
		assertThat(body.propertyNames()).containsExactly("client", "services");
		assertThat(body.get("client").toString()).isEqualTo("{\"zone\":null,\"node\":null,\"pod\":null,\"peers\":0}");
		JsonNode services = body.get("services");
		assertThat(services.propertyNames()).containsExactly("backend", "pg");

		JsonNode backend = services.get("backend");
		assertThat(backend.get("serviceId").asString()).isEqualTo("backend-svc");
		assertThat(backend.get("strategy").asString()).isEqualTo("least-request");
		assertThat(backend.get("source").asString()).isEqualTo("test");
		assertThat(Instant.parse(backend.get("lastRefresh").asString())).isBefore(Instant.now().plusSeconds(1));
		assertThat(backend.get("refreshes").isIntegralNumber()).isTrue();
		assertThat(backend.get("refreshes").asLong()).isPositive();
		assertThat(backend.get("window").asString()).isEqualTo("PT30S");
		assertThat(backend.get("locality").asString()).isEqualTo("hints");
		assertThat(backend.get("subsetSize").asInt()).isZero();
		assertThat(backend.get("imbalance").isNumber()).isTrue();
		assertThat(backend.get("imbalance").asDouble()).isBetween(1.0, 3.0);
		assertThat(backend.get("panic").asBoolean()).isFalse();
		assertThat(backend.get("options").toString()).isEqualTo("{\"slowStart\":\"PT0S\",\"retries\":1,"
				+ "\"outlierEjection\":{\"consecutiveFailures\":5,\"baseEjectionTime\":\"PT30S\","
				+ "\"maxEjectionTime\":\"PT5M\",\"maxEjectedPercent\":10,\"panicThreshold\":50}}");

		List<String> names = new ArrayList<>();
		double shares = 0;
		for (JsonNode pod : backend.get("pods")) {
			names.add(pod.get("name").asString());
			assertThat(pod.propertyNames()).containsExactly("name", "host", "port", "zone", "state", "connections",
					"requests", "share", "weight", "lastFailure", "local", "selected");
			assertThat(pod.get("local").asBoolean()).isTrue();
			assertThat(pod.get("selected").asBoolean()).isTrue();
			assertThat(pod.get("weight").asDouble()).isEqualTo(1.0);
			assertThat(pod.get("lastFailure").isNull()).isTrue();
			assertThat(pod.get("host").asString()).startsWith("127.0.0.");
			assertThat(pod.get("port").asInt()).isEqualTo(this.pods.port());
			assertThat(pod.get("state").asString()).isEqualTo("ready");
			assertThat(pod.get("connections").propertyNames()).containsExactly("http", "grpc", "jdbc", "websocket",
					"total");
			assertThat(pod.at("/connections/http").isIntegralNumber()).isTrue();
			assertThat(pod.at("/connections/total").asInt()).isEqualTo(pod.at("/connections/http").asInt());
			assertThat(pod.get("requests").propertyNames()).containsExactly("total", "inFlight", "failed", "recent");
			// the whole test runs within the 30 s window
			assertThat(pod.at("/requests/recent").asLong()).isEqualTo(pod.at("/requests/total").asLong());
			assertThat(pod.at("/requests/inFlight").asInt()).isZero();
			assertThat(pod.get("share").isNumber()).isTrue();
			shares += pod.get("share").asDouble();
		}
		assertThat(names).containsExactly("pod-1", "pod-2", "pod-3");
		assertThat(shares).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.002));
		assertThat(response.body()).doesNotContain("s3cr3t-Pa55").doesNotContainIgnoringCase("password");
	}

	@Test
	void oneServiceIsTheSameObjectAndAnUnknownOneIs404() throws Exception {
		JsonNode all = RunningApp.parse(this.app.get("/actuator/connbalance").body());
		JsonNode one = this.app.endpoint("pg");
		assertThat(one).isEqualTo(all.at("/services/pg"));
		assertThat(one.get("pods")).isEmpty();
		assertThat(this.app.get("/actuator/connbalance/nope").statusCode()).isEqualTo(404);
	}

}
