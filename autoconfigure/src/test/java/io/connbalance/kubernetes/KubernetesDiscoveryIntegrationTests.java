package io.connbalance.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.connbalance.balance.NoPodAvailableException;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.Distribution;
import io.connbalance.testsupport.KubernetesApiStandIn;
import io.connbalance.testsupport.KubernetesApiStandIn.Endpoint;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RunningApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The real Spring Cloud Kubernetes client discovery (client-java informers) and
 * connbalance's EndpointSlice watch, against a loopback Kubernetes API stand-in that
 * speaks list and streamed watch, with pods that are real HTTP servers on 127.0.0.2 and
 * up. The refresh interval is a minute, so every change seen within a second comes from
 * the watch.
 */
@ExtendWith(OutputCaptureExtension.class)
class KubernetesDiscoveryIntegrationTests {

	private static final String NAMESPACE = "shop";

	private static final Duration ONE_SECOND = Duration.ofSeconds(1);

	private KubernetesApiStandIn api;

	private PodServers<PodServer> pods;

	private final List<Endpoint> endpoints = new ArrayList<>();

	private RunningApp app;

	@BeforeEach
	void start() throws Exception {
		this.api = KubernetesApiStandIn.start();
		this.pods = PodServers.start(3);
		this.pods.all().forEach((pod) -> this.endpoints.add(Endpoint.of(pod, "zone-" + pod.name().substring(4))));
		publish(100);
	}

	@AfterEach
	void stop() {
		if (this.app != null) {
			this.app.close();
		}
		this.pods.close();
		this.api.close();
	}

	private void publish(int sliceSize) {
		this.api.publish(NAMESPACE, "backend", "http", this.pods.port(), sliceSize, this.endpoints);
	}

	private RunningApp startApp(String... properties) {
		List<String> all = new ArrayList<>(List.of("spring.main.cloud-platform=kubernetes",
				"spring.cloud.kubernetes.client.namespace=" + NAMESPACE, "connbalance.services.backend.port-name=http",
				"connbalance.refresh.interval=1m"));
		all.addAll(List.of(properties));
		this.app = RunningApp.start(
				(context) -> context.getBeanFactory().registerSingleton("kubernetesApiClient", this.api.client()),
				List.of(), all.toArray(String[]::new));
		return this.app;
	}

	private Function<String, String> client() {
		RestClient client = this.app.restClient();
		return (path) -> client.get().uri("http://backend" + path).retrieve().body(String.class);
	}

	@Test
	void podsComeFromMergedEndpointSlicesWithPodNamesAndZones() throws Exception {
		publish(2);
		assertThat(this.api.names("endpointslices", NAMESPACE)).containsExactlyInAnyOrder("backend-0", "backend-1");
		// round-robin: an even spread is then no matter of chance (least-request with one
		// caller picks at random, 3.2 standard deviations inside this bound)
		startApp("connbalance.services.backend.strategy=round-robin");
		Function<String, String> client = client();
		for (int i = 0; i < 900; i++) {
			client.apply("/whoami");
		}
		Distribution.assertEven(this.pods.served(), 3, 0.05);
		JsonNode endpoint = this.app.endpoint("backend");
		assertThat(endpoint.get("source").asString()).isEqualTo("kubernetes");
		assertThat(this.app.podValues("backend", "/requests/total")).containsOnlyKeys("pod-1", "pod-2", "pod-3");
		for (PodServer pod : this.pods.all()) {
			JsonNode described = this.app.pod("backend", pod.name());
			assertThat(described.get("host").asString()).isEqualTo(pod.host());
			assertThat(described.get("zone").asString()).isEqualTo("zone-" + pod.name().substring(4));
			assertThat(described.get("state").asString()).isEqualTo("ready");
		}
	}

	@Test
	void aNormalShutdownLogsNoErrorOfTheInformers(CapturedOutput output) throws Exception {
		startApp();
		assertThat(client().apply("/whoami")).startsWith("pod-");
		int before = output.getOut().length();
		this.app.close();
		this.app = null;
		// the informers' threads end a moment after they are told to stop
		Await.until(Duration.ofSeconds(10),
				() -> Thread.getAllStackTraces()
					.keySet()
					.stream()
					.noneMatch((thread) -> thread.getName().startsWith("informer-controller-")));
		String shutdown = output.getOut().substring(before);
		// connbalance's watch and Spring Cloud Kubernetes' informers have stopped
		assertThat(shutdown).contains("Graceful shutdown complete");
		assertThat(shutdown.lines().filter((line) -> line.contains(" ERROR "))).isEmpty();
		assertThat(shutdown).doesNotContain("InterruptedException");
	}

	@Test
	void aPodAddedToTheEndpointsGetsRequestsWithinOneSecond() throws Exception {
		startApp();
		Function<String, String> client = client();
		for (int i = 0; i < 300; i++) {
			client.apply("/whoami");
		}
		PodServer added = this.pods.add();
		this.endpoints.add(Endpoint.of(added, "zone-4"));
		publish(100);
		Duration waited = sendUntil(client, () -> added.served() > 0);
		System.out.println("A pod added to the endpoints got its first request after " + waited.toMillis() + " ms");
		assertThat(added.served()).isPositive();
		assertThat(waited).isLessThan(ONE_SECOND);
	}

	@Test
	void aPodRemovedOrNotReadyStopsGettingRequestsWithinOneSecond() throws Exception {
		startApp();
		Function<String, String> client = client();
		PodRegistry registry = this.app.bean(PodRegistry.class);
		this.endpoints.remove(2);
		publish(100);
		Duration removed = waitUntil(() -> readyPods(registry).size() == 2);
		this.endpoints.set(1, this.endpoints.get(1).asNotReady());
		publish(100);
		Duration notReady = waitUntil(() -> readyPods(registry).size() == 1);
		System.out.println("A removed pod left after " + removed.toMillis() + " ms, a pod not ready after "
				+ notReady.toMillis() + " ms");
		assertThat(removed).isLessThan(ONE_SECOND);
		assertThat(notReady).isLessThan(ONE_SECOND);
		Map<String, Long> before = this.pods.served();
		for (int i = 0; i < 300; i++) {
			assertThat(client.apply("/whoami")).isEqualTo("pod-1");
		}
		assertThat(this.pods.servedSince(before)).containsEntry("pod-1", 300L)
			.containsEntry("pod-2", 0L)
			.containsEntry("pod-3", 0L);
	}

	@Test
	void anAppWhoseServiceHasNoReadyPodStartsFailsFastAndIsServedOnceAPodIsReady(CapturedOutput output)
			throws Exception {
		// as when a frontend and its backend are deployed together
		this.endpoints.replaceAll(Endpoint::asNotReady);
		publish(100);
		startApp();
		Function<String, String> client = client();
		assertFailsFast(client);
		this.endpoints.set(1, this.endpoints.get(1).asReady());
		publish(100);
		Duration served = waitUntil(() -> answers(client));
		System.out.println("A pod that turned ready was served after " + served.toMillis() + " ms");
		assertThat(served).isLessThan(Duration.ofSeconds(2));
		assertThat(client.apply("/whoami")).isEqualTo("pod-2");
		assertThat(output.getAll()).doesNotContain("have no port named");
	}

	@Test
	void aServiceScaledToZeroFailsFastItsOldPodsGetNothingAndAPodThatReturnsIsServed(CapturedOutput output)
			throws Exception {
		startApp();
		Function<String, String> client = client();
		for (int i = 0; i < 30; i++) {
			client.apply("/whoami");
		}
		PodRegistry registry = this.app.bean(PodRegistry.class);
		List<Endpoint> before = List.copyOf(this.endpoints);
		this.endpoints.clear();
		// the API says "endpoints": null, as Kubernetes up to 1.35 does
		publish(100);
		Duration emptied = waitUntil(() -> registry.get("backend").pods().isEmpty());
		assertThat(emptied).isLessThan(ONE_SECOND);
		Map<String, Long> served = this.pods.served();
		for (int i = 0; i < 10; i++) {
			assertFailsFast(client);
		}
		assertThat(this.pods.servedSince(served)).containsOnly(Map.entry("pod-1", 0L), Map.entry("pod-2", 0L),
				Map.entry("pod-3", 0L));
		// logged by the refresher's thread once the registry has taken the change
		Await.until(ONE_SECOND, () -> output.getAll().contains("Service 'backend' has no ready pods now"));
		assertThat(output.getAll()).doesNotContain("Expected the field `endpoints` to be an array");
		this.endpoints.add(before.get(2));
		publish(100);
		Duration back = waitUntil(() -> answers(client));
		System.out.println("A service scaled to zero emptied after " + emptied.toMillis() + " ms, and was served again "
				+ back.toMillis() + " ms after a pod returned");
		assertThat(back).isLessThan(Duration.ofSeconds(2));
		assertThat(client.apply("/whoami")).isEqualTo("pod-3");
		assertThat(this.app.endpoint("backend").get("pods")).hasSize(1);
	}

	@Test
	void aTerminatingPodDrainsItsInFlightRequestsAndGetsNoNewOnes() throws Exception {
		startApp();
		Function<String, String> client = client();
		ExecutorService callers = Executors.newFixedThreadPool(6);
		try {
			List<Future<String>> slow = new ArrayList<>();
			for (int i = 0; i < 6; i++) {
				slow.add(callers.submit(() -> client.apply("/slow?ms=1500")));
			}
			PodServer leaving = this.pods.get(0);
			// every slow request has reached its server
			Await.until(Duration.ofSeconds(5), () -> this.pods.all().stream().mapToInt(PodServer::active).sum() == 6);
			assertThat(leaving.active()).isPositive();
			this.endpoints.set(0, this.endpoints.get(0).asTerminating());
			publish(100);
			Duration draining = waitUntil(
					() -> this.app.pod("backend", leaving.name()).get("state").asString().equals("draining"));
			System.out.println("A terminating pod was draining after " + draining.toMillis() + " ms");
			assertThat(draining).isLessThan(ONE_SECOND);
			int inFlight = leaving.active();
			assertThat(inFlight).isPositive();
			assertThat(this.app.pod("backend", leaving.name()).at("/requests/inFlight").asLong()).isPositive();
			long servedBefore = leaving.served();
			for (int i = 0; i < 300; i++) {
				assertThat(client.apply("/whoami")).isNotEqualTo(leaving.name());
			}
			for (Future<String> call : slow) {
				assertThat(call.get()).startsWith("pod-");
			}
			assertThat(leaving.served()).isEqualTo(servedBefore + inFlight);
		}
		finally {
			callers.shutdownNow();
		}
	}

	@Test
	void anApiOutageKeepsThePodsWithZeroFailedRequestsAndCatchesUpAfter(CapturedOutput output) throws Exception {
		startApp();
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicLong succeeded = new AtomicLong();
		AtomicLong failed = new AtomicLong();
		ExecutorService callers = Executors.newFixedThreadPool(2);
		Function<String, String> client = client();
		List<Future<?>> load = new ArrayList<>();
		long loadDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		for (int i = 0; i < 2; i++) {
			load.add(callers.submit(() -> {
				while (running.get() && System.nanoTime() - loadDeadline < 0) {
					try {
						client.apply("/whoami");
						succeeded.incrementAndGet();
					}
					catch (RuntimeException ex) {
						failed.incrementAndGet();
					}
					sleep(2);
				}
			}));
		}
		try {
			this.api.stop();
			PodServer added = this.pods.add();
			this.endpoints.add(Endpoint.of(added, "zone-4"));
			publish(100);
			long outageStart = System.nanoTime();
			PodRegistry registry = this.app.bean(PodRegistry.class);
			while (System.nanoTime() - outageStart < Duration.ofSeconds(10).toNanos()) {
				assertThat(readyPods(registry)).hasSize(3);
				Thread.sleep(200);
			}
			this.app.refresher().refreshNow();
			assertThat(readyPods(registry)).hasSize(3);
			long duringOutage = succeeded.get();
			this.api.restart();
			Duration caughtUp = waitUntil(() -> added.served() > 0);
			System.out.println(
					"After a 10 s API outage (" + duringOutage + " requests, " + failed.get() + " failed), the pod "
							+ "added meanwhile got requests " + caughtUp.toMillis() + " ms after the API returned");
			assertThat(caughtUp).isLessThan(Duration.ofSeconds(5));
			assertThat(duringOutage).isGreaterThan(1000);
		}
		finally {
			running.set(false);
			for (Future<?> future : load) {
				future.get();
			}
			callers.shutdownNow();
		}
		assertThat(failed.get()).isZero();
		assertThat(count(output, "connbalance lost its watch of EndpointSlices")).isEqualTo(1);
		assertThat(count(output, "connbalance watches EndpointSlices in namespace 'shop' again")).isEqualTo(1);
	}

	@Test
	void anApiServerThatFallsSilentIsNoticedKeepsThePodsShowsThemStaleAndIsListedAgain(CapturedOutput output)
			throws Exception {
		startApp("connbalance.kubernetes.watch-timeout=2s");
		Function<String, String> client = client();
		assertThat(this.app.endpoint("backend").get("stale").asBoolean()).isFalse();
		this.api.freeze();
		long frozen = System.nanoTime();
		// silent for one and a half watch timeouts: stalled
		Await.until(Duration.ofSeconds(10), () -> output.getAll().contains("connbalance lost its watch"));
		Duration noticed = Duration.ofNanos(System.nanoTime() - frozen);
		this.app.refresher().refreshNow();
		assertThat(this.app.endpoint("backend").get("stale").asBoolean()).isTrue();
		for (int i = 0; i < 30; i++) {
			assertThat(client.apply("/whoami")).startsWith("pod-");
		}
		PodServer added = this.pods.add();
		this.endpoints.add(Endpoint.of(added, "zone-4"));
		publish(100);
		this.api.thaw();
		Duration caughtUp = sendUntil(client, () -> added.served() > 0);
		System.out.println("A silent API server was noticed after " + noticed.toMillis()
				+ " ms; after it answered again, a pod added meanwhile got requests after " + caughtUp.toMillis()
				+ " ms");
		assertThat(noticed).isLessThan(Duration.ofSeconds(6));
		assertThat(added.served()).isPositive();
		this.app.refresher().refreshNow();
		assertThat(this.app.endpoint("backend").get("stale").asBoolean()).isFalse();
	}

	@Test
	void aWatchThatEndsOrIsGoneIsResumedOrListedAgain() throws Exception {
		startApp();
		Function<String, String> client = client();
		int lists = this.api.lists("endpointslices");
		this.api.endWatches();
		PodServer fourth = this.pods.add();
		this.endpoints.add(Endpoint.of(fourth, null));
		publish(100);
		Duration afterEnd = sendUntil(client, () -> fourth.served() > 0);
		assertThat(afterEnd).isLessThan(Duration.ofSeconds(3));
		this.api.expireHistory();
		PodServer fifth = this.pods.add();
		this.endpoints.add(Endpoint.of(fifth, null));
		publish(100);
		Duration afterGone = sendUntil(client, () -> fifth.served() > 0);
		System.out.println("After a watch ended, a new pod got requests after " + afterEnd.toMillis()
				+ " ms; after 410 Gone, after " + afterGone.toMillis() + " ms");
		assertThat(afterGone).isLessThan(Duration.ofSeconds(3));
		assertThat(this.api.lists("endpointslices")).isGreaterThan(lists);
	}

	@Test
	void withoutPermissionToReadSlicesItFallsBackToTheDiscoveryClientWithOneWarning(CapturedOutput output)
			throws Exception {
		this.api.forbid("endpointslices");
		// round-robin: least-request with one caller picks at random, and once left a pod
		// 0.282 of 900 requests, against a bound of 0.283
		startApp("connbalance.services.backend.strategy=round-robin");
		Function<String, String> client = client();
		for (int i = 0; i < 900; i++) {
			client.apply("/whoami");
		}
		Distribution.assertEven(this.pods.served(), 3, 0.05);
		for (int i = 0; i < 5; i++) {
			this.app.refresher().refreshNow();
		}
		assertThat(this.app.endpoint("backend").get("source").asString()).isEqualTo("kubernetes");
		assertThat(count(output, "connbalance cannot read EndpointSlices in namespace 'shop' (HTTP 403)")).isEqualTo(1);
	}

	private static void assertFailsFast(Function<String, String> client) {
		long start = System.nanoTime();
		assertThatExceptionOfType(NoPodAvailableException.class).isThrownBy(() -> client.apply("/whoami"))
			.withMessageContaining("'backend'");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(ONE_SECOND);
	}

	private static boolean answers(Function<String, String> client) {
		try {
			return client.apply("/whoami").startsWith("pod-");
		}
		catch (NoPodAvailableException ex) {
			return false;
		}
	}

	private static List<Pod> readyPods(PodRegistry registry) {
		return registry.get("backend").pods().stream().filter(Pod::isReady).toList();
	}

	private static Duration sendUntil(Function<String, String> client, Supplier<Boolean> condition) {
		long start = System.nanoTime();
		long deadline = start + Duration.ofSeconds(10).toNanos();
		while (!condition.get() && System.nanoTime() - deadline < 0) {
			client.apply("/whoami");
		}
		return Duration.ofNanos(System.nanoTime() - start);
	}

	private static Duration waitUntil(Await.Condition condition) throws Exception {
		long start = System.nanoTime();
		Await.until(Duration.ofSeconds(10), condition);
		return Duration.ofNanos(System.nanoTime() - start);
	}

	private static int count(CapturedOutput output, String text) {
		return (int) Pattern.compile(Pattern.quote(text)).matcher(output.getAll()).results().count();
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
