package io.connbalance.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.connbalance.testsupport.ClientKind;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RunningApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failing pod among real HTTP servers on 127.0.0.2 and up: outlier ejection and retries
 * on another pod, through WebClient and RestClient.
 */
class ResilienceIntegrationTests {

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

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void podsWhosePoolsAreFullAreBusyNotFailing(ClientKind kind) throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.http.max-connections-per-pod=1",
				"connbalance.http.pool-acquire-timeout=300ms");
		Function<String, String> client = kind.client(this.app);
		ExecutorService callers = Executors.newFixedThreadPool(30);
		try {
			List<Future<String>> calls = new ArrayList<>();
			for (int i = 0; i < 30; i++) {
				calls.add(callers.submit(() -> client.apply("http://backend/slow?ms=4000")));
			}
			int answered = 0;
			for (Future<String> call : calls) {
				try {
					call.get(20, TimeUnit.SECONDS);
					answered++;
				}
				catch (ExecutionException ex) {
					// no connection free in time, on its pod nor on another
				}
			}
			assertThat(answered).isEqualTo(3);
		}
		finally {
			callers.shutdownNow();
		}
		// each pod failed more requests than it takes to eject one, but none was its
		// fault
		assertThat(this.app.podValues("backend", "/requests/failed").values())
			.allSatisfy((failed) -> assertThat(failed).isGreaterThan(5));
		for (PodServer pod : this.pods.all()) {
			assertThat(this.app.pod("backend", pod.name()).get("state").asString()).isEqualTo("ready");
		}
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void aPodAnsweringServerErrorsIsEjectedAfterFiveAndGetsNoMoreRequests(ClientKind kind) throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin");
		PodServer failing = this.pods.get(1);
		failing.failWith(503);
		int failed = send(kind.client(this.app), 600);
		assertThat(failed).isEqualTo(5);
		assertThat(failing.served()).isEqualTo(5);
		JsonNode pod = this.app.pod("backend", failing.name());
		assertThat(pod.get("state").asString()).isEqualTo("ejected");
		assertThat(pod.at("/requests/failed").asLong()).isEqualTo(5);
		Map<String, Long> served = this.pods.served();
		assertThat(served.get("pod-1") + served.get("pod-3")).isEqualTo(595);
		assertThat(served.get("pod-1")).isBetween(297L, 298L);
		assertThat(this.app.endpoint("backend").at("/options/outlierEjection/consecutiveFailures").asInt())
			.isEqualTo(5);
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void aPodRefusingConnectionsCostsNoRequestAndIsEjected(ClientKind kind) throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin");
		Function<String, String> client = kind.client(this.app);
		assertThat(send(client, 30)).isZero();
		PodServer refusing = this.pods.get(1);
		refusing.close();
		assertThat(send(client, 600)).isZero();
		JsonNode pod = this.app.pod("backend", refusing.name());
		assertThat(pod.get("state").asString()).isEqualTo("ejected");
		assertThat(pod.at("/requests/failed").asLong()).isEqualTo(5);
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void anIdempotentRequestWhoseConnectionBreaksIsRetriedOnAnotherPodAndAPostIsNot(ClientKind kind) throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin",
				"connbalance.services.backend.outlier-ejection.consecutive-failures=0");
		this.pods.get(1).breakConnections(true);
		assertThat(send(kind.client(this.app), 300)).isZero();
		Function<String, String> post = post(kind);
		int failedPosts = 0;
		for (int i = 0; i < 300; i++) {
			try {
				post.apply("http://backend/whoami");
			}
			catch (RuntimeException ex) {
				failedPosts++;
			}
		}
		// round-robin sends every third POST to the pod that breaks its connection
		assertThat(failedPosts).isEqualTo(100);
		assertThat(this.app.pod("backend", "pod-2").get("state").asString()).isEqualTo("ready");
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void withNoRetriesAndNoEjectionEveryRequestToAPodThatRefusesFails(ClientKind kind) throws Exception {
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin",
				"connbalance.defaults.retries=0", "connbalance.defaults.outlier-ejection.consecutive-failures=0");
		this.pods.get(2).close();
		assertThat(send(kind.client(this.app), 300)).isEqualTo(100);
		Map<String, Long> failed = this.app.podValues("backend", "/requests/failed");
		assertThat(failed).containsEntry("pod-3", 100L).containsEntry("pod-1", 0L);
		assertThat(this.app.endpoint("backend").at("/options/retries").asInt()).isZero();
	}

	private Function<String, String> post(ClientKind kind) {
		return switch (kind) {
			case WEB_CLIENT -> (url) -> this.app.webClient()
				.post()
				.uri(url)
				.bodyValue("x")
				.retrieve()
				.bodyToMono(String.class)
				.block();
			case REST_CLIENT -> (url) -> this.app.restClient().post().uri(url).body("x").retrieve().body(String.class);
		};
	}

	private static int send(Function<String, String> client, int requests) {
		int failed = 0;
		for (int i = 0; i < requests; i++) {
			try {
				assertThat(client.apply("http://backend/whoami")).startsWith("pod-");
			}
			catch (RuntimeException ex) {
				failed++;
			}
		}
		return failed;
	}

}
