package io.connbalance.refresh;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.connbalance.discovery.DiscoveredPods;
import io.connbalance.discovery.DiscoveryClientPodSource;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.ServiceTarget;
import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.MutableDiscoveryClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class PodRefresherTests {

	private static final Instant NOW = Instant.parse("2026-11-21T11:00:00Z");

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private final PodRegistry registry = new PodRegistry(List.of("backend"));

	private final PodRefresher refresher = new PodRefresher(this.registry, new DiscoveryClientPodSource(this.discovery),
			List.of(new ServiceTarget("backend", "backend-svc", null, null, "round-robin")), Duration.ofHours(1),
			Clock.fixed(NOW, ZoneOffset.UTC));

	@AfterEach
	void stop() {
		this.refresher.stop();
	}

	@Test
	void refreshNowPublishesTheDiscoveredPods() {
		this.discovery.add("backend-svc", "127.0.0.2", 8080, Map.of());
		this.refresher.start();
		this.discovery.add("backend-svc", "127.0.0.3", 8080, Map.of());
		this.refresher.refreshNow();
		assertThat(this.registry.get("backend").pods()).extracting(Pod::address)
			.containsExactly("127.0.0.2:8080", "127.0.0.3:8080");
		RefreshStatus status = this.refresher.status("backend");
		assertThat(status.refreshes()).isEqualTo(2);
		assertThat(status.lastRefresh()).isEqualTo(NOW);
		assertThat(status.source()).isEqualTo("test");
	}

	@Test
	void keepsTheLastGoodPodsWhenDiscoveryFailsAndLogsOnce(CapturedOutput output) {
		this.discovery.add("backend-svc", "127.0.0.2", 8080, Map.of());
		this.refresher.start();
		this.discovery.fail(new IllegalStateException("API server unreachable"));
		for (int i = 0; i < 5; i++) {
			this.refresher.refreshNow();
		}
		assertThat(this.registry.get("backend").pods()).hasSize(1);
		assertThat(this.refresher.status("backend").failing()).isTrue();
		assertThat(output.getOut().split("API server unreachable", -1)).hasSize(2);
		this.discovery.fail(null);
		this.refresher.refreshNow();
		assertThat(this.refresher.status("backend").failing()).isFalse();
		assertThat(output.getOut()).contains("answers again with 1 pod(s)");
	}

	@Test
	void keepsTheLastGoodPodsWhenDiscoveryReturnsNothing(CapturedOutput output) {
		this.discovery.add("backend-svc", "127.0.0.2", 8080, Map.of());
		this.refresher.start();
		this.discovery.remove("backend-svc", "127.0.0.2");
		this.refresher.refreshNow();
		this.refresher.refreshNow();
		assertThat(this.registry.get("backend").pods()).hasSize(1);
		assertThat(output.getOut().split("returned no pods", -1)).hasSize(2);
	}

	@Test
	void anAuthoritativeAnswerOfNoPodsEmptiesTheServiceAndItsReturnIsLogged(CapturedOutput output) {
		List<Pod> pods = new ArrayList<>(List.of(Pod.of("127.0.0.2", 8080)));
		PodRefresher refresher = new PodRefresher(this.registry,
				(target) -> new DiscoveredPods("kubernetes", pods, true),
				List.of(new ServiceTarget("backend", "backend-svc", null, null, "round-robin")), Duration.ofHours(1),
				Clock.systemUTC());
		refresher.start();
		try {
			assertThat(this.registry.get("backend").pods()).hasSize(1);
			pods.clear();
			refresher.refreshNow();
			assertThat(this.registry.get("backend").pods()).isEmpty();
			assertThat(refresher.status("backend").failing()).isFalse();
			assertThat(output.getOut()).contains("Service 'backend-svc' has no ready pods now");
			pods.add(Pod.of("127.0.0.3", 8080));
			refresher.refreshNow();
			assertThat(this.registry.get("backend").pods()).extracting(Pod::address).containsExactly("127.0.0.3:8080");
			assertThat(output.getOut()).contains("Service 'backend-svc' has ready pods again");
		}
		finally {
			refresher.stop();
		}
	}

	@Test
	void aListenerThatFailsNeitherKeepsTheChangeFromTheOthersNorStopsTheSchedule(CapturedOutput output)
			throws Exception {
		List<String> seen = new CopyOnWriteArrayList<>();
		this.registry.addListener((previous, current) -> {
			throw new IllegalStateException("cannot make a pool for " + current.pods());
		});
		this.registry.addListener((previous, current) -> seen.add(current.pods().toString()));
		PodRefresher fast = new PodRefresher(this.registry, new DiscoveryClientPodSource(this.discovery),
				List.of(new ServiceTarget("backend", "backend-svc", null, null, "round-robin")), Duration.ofMillis(20),
				Clock.systemUTC());
		fast.start();
		try {
			this.discovery.add("backend-svc", "127.0.0.2", 8080, Map.of());
			Await.until(Duration.ofSeconds(5), () -> seen.size() == 1);
			this.discovery.add("backend-svc", "127.0.0.3", 8080, Map.of());
			Await.until(Duration.ofSeconds(5), () -> seen.size() == 2);
			assertThat(this.registry.get("backend").pods()).hasSize(2);
			assertThat(output.getOut()).contains("cannot make a pool for");
		}
		finally {
			fast.stop();
		}
	}

	@Test
	void theScheduleRefreshesOnItsOwn() throws Exception {
		PodRefresher fast = new PodRefresher(this.registry, new DiscoveryClientPodSource(this.discovery),
				List.of(new ServiceTarget("backend", "backend-svc", null, null, "round-robin")), Duration.ofMillis(50),
				Clock.systemUTC());
		fast.start();
		try {
			this.discovery.add("backend-svc", "127.0.0.2", 8080, Map.of());
			Await.until(Duration.ofSeconds(5), () -> !this.registry.get("backend").pods().isEmpty());
			assertThat(this.registry.get("backend").pods()).hasSize(1);
		}
		finally {
			fast.stop();
		}
	}

}
