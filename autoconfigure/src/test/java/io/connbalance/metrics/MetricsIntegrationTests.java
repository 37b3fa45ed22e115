package io.connbalance.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.ClientKind;
import io.connbalance.testsupport.GrpcPodServer;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.PrometheusScrape;
import io.connbalance.testsupport.RunningApp;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * connbalance's meters in a real application scraped at {@code /actuator/prometheus},
 * against what real pods on 127.0.0.2 and up served.
 */
class MetricsIntegrationTests {

	private static final String EXPOSE = "management.endpoints.web.exposure.include=connbalance,prometheus";

	private static final String COUNT = "connbalance_requests_seconds_count";

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private RunningApp app;

	@AfterEach
	void stop() throws Exception {
		if (this.app != null) {
			this.app.close();
		}
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void httpRequestCountsPerPodAndOutcomeEqualWhatEachPodServed(ClientKind kind) throws Exception {
		PodServers<PodServer> pods = track(PodServers.start(3));
		pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		pods.get(1).failWith(503);
		this.app = RunningApp.start(this.discovery, EXPOSE, "connbalance.services.backend.strategy=round-robin");
		Function<String, String> client = kind.client(this.app);
		int failed = 0;
		for (int i = 0; i < 300; i++) {
			try {
				client.apply("http://backend/");
			}
			catch (RuntimeException ex) {
				failed++;
			}
		}
		String tag = (kind == ClientKind.WEB_CLIENT) ? "webclient" : "restclient";
		assertCountsMatch(pods.served(), failed, tag);
	}

	@Test
	void grpcCallCountsPerPodAndOutcomeEqualWhatEachPodServed() throws Exception {
		PodServers<GrpcPodServer> pods = track(PodServers.startGrpc(3));
		pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		pods.get(1).failWith(Status.UNAVAILABLE);
		this.app = RunningApp.start(this.discovery, EXPOSE, "connbalance.services.backend.strategy=round-robin");
		ManagedChannel channel = ManagedChannelBuilder.forTarget("connbalance:///backend").usePlaintext().build();
		this.closeables.add(channel::shutdownNow);
		int failed = 0;
		for (int i = 0; i < 300; i++) {
			try {
				GrpcPodServer.who(channel);
			}
			catch (RuntimeException ex) {
				failed++;
			}
		}
		// a status of the call is the answer of a healthy pod: SUCCESS in the meters, and
		// failed in the endpoint
		Map<String, Long> before = pods.served();
		for (int i = 0; i < 20; i++) {
			try {
				GrpcPodServer.fail(channel);
			}
			catch (RuntimeException ex) {
				assertThat(ex).hasMessageStartingWith("INVALID_ARGUMENT");
			}
		}
		assertThat(pods.servedSince(before).get("pod-2")).isZero();
		assertCountsMatch(pods.served(), failed, "grpc");
		assertThat(this.app.podValues("backend", "/requests/failed"))
			.isEqualTo(Map.of("pod-1", 10L, "pod-2", (long) failed, "pod-3", 10L));
	}

	private void assertCountsMatch(Map<String, Long> served, int failed, String client) throws Exception {
		assertThat(served.get("pod-2")).as("calls the failing pod took before its ejection").isPositive();
		assertThat((long) failed).isEqualTo(served.get("pod-2"));
		PrometheusScrape scrape = PrometheusScrape.of(this.app);
		assertThat(scrape.sumBy(COUNT, "pod", "service", "backend", "client", client)).isEqualTo(served);
		assertThat(scrape.sumBy(COUNT, "pod", "service", "backend", "client", client, "outcome", "FAILURE"))
			.isEqualTo(Map.of("pod-2", served.get("pod-2")));
		assertThat(scrape.sumBy(COUNT, "pod", "service", "backend", "client", client, "outcome", "SUCCESS"))
			.isEqualTo(Map.of("pod-1", served.get("pod-1"), "pod-3", served.get("pod-3")));
		assertThat(scrape.sum("connbalance_requests_seconds_sum", "client", client)).isPositive();
		assertThat(scrape.sum("connbalance_ejections_total", "pod", "pod-2")).isEqualTo(1);
		assertThat(scrape.sum("connbalance_ejections_total", "pod", "pod-1")).isZero();
		assertThat(scrape.sum("connbalance_pods", "service", "backend", "state", "ejected")).isEqualTo(1);
		assertThat(scrape.sum("connbalance_pods", "service", "backend", "state", "ready")).isEqualTo(2);
		assertThat(this.app.pod("backend", "pod-2").get("state").asString()).isEqualTo("ejected");
		// the endpoint's counts are the same counts
		assertThat(this.app.podValues("backend", "/requests/total")).isEqualTo(served);
	}

	@Test
	void gaugesMatchTheEndpointAndAPodThatLeavesLosesItsSeries() throws Exception {
		PodServers<PodServer> pods = track(PodServers.start(3));
		pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		this.app = RunningApp.start(this.discovery, EXPOSE, "connbalance.services.backend.strategy=round-robin");
		WebClient client = this.app.webClient();
		// 6 requests held 3 s by their pods: 2 in flight on each, on 2 connections each
		List<Mono<String>> slow = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			slow.add(client.get().uri("http://backend/slow?ms=3000").retrieve().bodyToMono(String.class));
		}
		var inFlight = Flux.merge(slow).collectList().toFuture();
		Await.until(Duration.ofSeconds(5), () -> pods.map(PodServer::active).stream().allMatch((n) -> n == 2));
		PrometheusScrape scrape = PrometheusScrape.of(this.app);
		JsonNode endpoint = this.app.endpoint("backend");
		for (JsonNode pod : endpoint.get("pods")) {
			String name = pod.get("name").asString();
			assertThat(scrape.sum("connbalance_requests_active", "service", "backend", "pod", name))
				.isEqualTo(pod.at("/requests/inFlight").asLong())
				.isEqualTo(2);
			assertThat(scrape.sum("connbalance_connections", "service", "backend", "pod", name, "client", "http"))
				.isEqualTo(pod.at("/connections/http").asLong())
				.isEqualTo(2);
		}
		assertThat(scrape.sum("connbalance_pods", "service", "backend", "state", "ready")).isEqualTo(3);
		assertThat(inFlight.get()).hasSize(6);

		// pod-3 leaves while a request is on it: draining, then gone with its series
		Mono<String> last = client.get().uri("http://backend/slow?ms=1500").retrieve().bodyToMono(String.class);
		var lastDone = Flux.range(0, 3).flatMap((i) -> last).collectList().toFuture();
		Await.until(Duration.ofSeconds(5), () -> pods.get(2).active() == 1);
		this.discovery.remove("backend", pods.get(2).host());
		this.app.refresher().refreshNow();
		scrape = PrometheusScrape.of(this.app);
		assertThat(scrape.sum("connbalance_pods", "service", "backend", "state", "draining")).isEqualTo(1);
		assertThat(scrape.sum("connbalance_requests_active", "pod", "pod-3")).isEqualTo(1);
		lastDone.get();
		// the request's count ends as its body completes, just after the caller has it
		Await.until(Duration.ofSeconds(5),
				() -> PrometheusScrape.of(this.app)
					.series("connbalance_requests_active")
					.stream()
					.noneMatch((series) -> "pod-3".equals(series.labels().get("pod"))));
		PrometheusScrape after = PrometheusScrape.of(this.app);
		assertThat(after.series("connbalance_requests_active")).extracting((series) -> series.labels().get("pod"))
			.containsExactlyInAnyOrder("pod-1", "pod-2");
		assertThat(after.names().stream().filter((name) -> name.startsWith("connbalance_")))
			.allSatisfy((name) -> assertThat(after.series(name))
				.noneMatch((series) -> "pod-3".equals(series.labels().get("pod"))));
		assertThat(after.sum("connbalance_pods", "service", "backend", "state", "draining")).isZero();
		assertThat(after.sum("connbalance_pods", "service", "backend", "state", "ready")).isEqualTo(2);
		assertThat(this.app.pod("backend", "pod-3")).isNull();
	}

	@Test
	void discoveryFailuresAndStalenessAreCounted() throws Exception {
		PodServers<PodServer> pods = track(PodServers.start(2));
		pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		this.app = RunningApp.start(this.discovery, EXPOSE, "connbalance.refresh.interval=1h");
		MeterRegistry registry = this.app.bean(MeterRegistry.class);
		assertThat(registry.get("connbalance.discovery.failures").tag("service", "backend").functionCounter().count())
			.isZero();
		this.discovery.fail(new IllegalStateException("API server unreachable"));
		Thread.sleep(1100);
		this.app.refresher().refreshNow();
		this.app.refresher().refreshNow();
		assertThat(registry.get("connbalance.discovery.failures").tag("service", "backend").functionCounter().count())
			.isEqualTo(2);
		double stale = registry.get("connbalance.discovery.staleness")
			.tag("service", "backend")
			.timeGauge()
			.value(java.util.concurrent.TimeUnit.SECONDS);
		assertThat(stale).isGreaterThanOrEqualTo(1.0).isLessThan(30.0);
		assertThat(PrometheusScrape.of(this.app).sum("connbalance_discovery_staleness_seconds", "service", "backend"))
			.isGreaterThanOrEqualTo(1.0);
		// the last known pods are kept, and so are their series
		assertThat(registry.find("connbalance.requests.active").tag("service", "backend").gauges()).hasSize(2);
	}

	@Test
	void theEndpointsSharesCoverTheRecentWindowAndTotalsCoverAllTime() throws Exception {
		PodServers<PodServer> pods = track(PodServers.start(2));
		pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		this.app = RunningApp.start(this.discovery, "connbalance.services.backend.strategy=round-robin",
				"connbalance.stats.window=5s");
		Function<String, String> client = ClientKind.REST_CLIENT.client(this.app);
		for (int i = 0; i < 150; i++) {
			client.apply("http://backend/");
		}
		PodServer added = pods.add();
		this.discovery.add("backend", added);
		this.app.refresher().refreshNow();
		// the window (5 s, sampled every 0.5 s) moves past the first 150 requests
		Thread.sleep(6000);
		long started = System.nanoTime();
		for (int i = 0; i < 150; i++) {
			client.apply("http://backend/");
		}
		JsonNode endpoint = this.app.endpoint("backend");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).as("time to send the second 150")
			.isLessThan(Duration.ofSeconds(5));
		assertThat(endpoint.get("window").asString()).isEqualTo("PT5S");
		assertThat(endpoint.get("imbalance").asDouble()).isLessThan(1.02);
		assertThat(this.app.podValues("backend", "/requests/recent"))
			.isEqualTo(Map.of("pod-1", 50L, "pod-2", 50L, "pod-3", 50L));
		assertThat(this.app.podValues("backend", "/requests/total"))
			.isEqualTo(Map.of("pod-1", 125L, "pod-2", 125L, "pod-3", 50L));
		for (JsonNode pod : endpoint.get("pods")) {
			assertThat(pod.get("share").asDouble()).isEqualTo(0.333);
		}
	}

	@Test
	void aRequestItsCallerCancelsIsCountedButNotTimed() throws Exception {
		PodServers<PodServer> pods = track(PodServers.start(1));
		pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		this.app = RunningApp.start(this.discovery, EXPOSE);
		WebClient client = this.app.webClient();
		assertThatThrownBy(() -> client.get()
			.uri("http://backend/slow?ms=2000")
			.retrieve()
			.bodyToMono(String.class)
			.timeout(Duration.ofMillis(200))
			.block()).hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
		client.get().uri("http://backend/").retrieve().bodyToMono(String.class).block();
		Await.until(Duration.ofSeconds(5),
				() -> this.app.pod("backend", "pod-1").at("/requests/inFlight").asLong() == 0);
		assertThat(this.app.pod("backend", "pod-1").at("/requests/total").asLong()).isEqualTo(2);
		PrometheusScrape scrape = PrometheusScrape.of(this.app);
		assertThat(scrape.sumBy(COUNT, "outcome", "pod", "pod-1")).isEqualTo(Map.of("SUCCESS", 1L));
	}

	private <T extends AutoCloseable> T track(T closeable) {
		this.closeables.add(closeable);
		return closeable;
	}

}
