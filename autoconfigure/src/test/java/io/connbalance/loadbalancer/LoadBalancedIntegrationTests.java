package io.connbalance.loadbalancer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.micrometer.core.instrument.MeterRegistry;
import io.connbalance.testsupport.Distribution;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RunningApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Plain {@code @LoadBalanced} builders (not Spring Boot's): Spring Cloud LoadBalancer
 * chooses among connbalance's current pods with its strategy, not its cached list.
 */
class LoadBalancedIntegrationTests {

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private PodServers<PodServer> pods;

	private RunningApp app;

	@BeforeEach
	void start() throws Exception {
		this.pods = PodServers.start(3);
		this.pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		this.app = RunningApp.start(this.discovery, List.of(LoadBalancedClients.class),
				"connbalance.refresh.interval=1h", "connbalance.services.backend.strategy=round-robin");
	}

	@AfterEach
	void stop() {
		this.app.close();
		this.pods.close();
	}

	@ParameterizedTest
	@ValueSource(strings = { "rest", "web" })
	void loadBalancedClientsSpreadEvenlyAndSeeANewPodAtOnce(String kind) throws Exception {
		Function<String, String> client = client(kind);
		for (int i = 0; i < 3000; i++) {
			assertThat(client.apply("http://backend/whoami")).startsWith("pod-");
		}
		Distribution.assertEven(this.pods.served(), 3, 0.03);
		assertThat(this.app.podValues("backend", "/requests/total")).isEqualTo(this.pods.served());
		// the meters count them under their own client tag
		MeterRegistry registry = this.app.bean(MeterRegistry.class);
		for (PodServer pod : this.pods.all()) {
			assertThat(registry.get("connbalance.requests")
				.tags("service", "backend", "pod", pod.name(), "client", "loadbalancer", "outcome", "SUCCESS")
				.timer()
				.count()).isEqualTo(pod.served());
		}

		PodServer added = this.pods.add();
		this.discovery.add("backend", added);
		this.app.refresher().refreshNow();
		Map<String, Long> before = this.pods.served();
		for (int i = 0; i < 400; i++) {
			client.apply("http://backend/whoami");
		}
		// LoadBalancer's own cache would keep the 4th pod out for 35 s
		Distribution.assertEven(this.pods.servedSince(before), 4, 0.01);
	}

	@Test
	void aLoadBalancedWebClientRequestCancelledByATimeoutEndsItsCountOnItsPod() throws Exception {
		WebClient client = this.app.bean(WebClient.Builder.class).build();
		for (int i = 0; i < 6; i++) {
			assertThatThrownBy(() -> client.get()
				.uri("http://backend/slow?ms=1000")
				.retrieve()
				.bodyToMono(String.class)
				.timeout(Duration.ofMillis(200))
				.block()).hasRootCauseInstanceOf(TimeoutException.class);
		}
		assertThat(this.app.podValues("backend", "/requests/total").values()).containsOnly(2L);
		// the pods are still working on them, but for the client they are over
		assertThat(this.pods.all().stream().mapToInt(PodServer::active).sum()).isPositive();
		assertThat(this.app.podValues("backend", "/requests/inFlight").values()).containsOnly(0L);
	}

	private Function<String, String> client(String kind) {
		if (kind.equals("rest")) {
			RestClient client = this.app.bean(RestClient.Builder.class).build();
			return (url) -> client.get().uri(url).retrieve().body(String.class);
		}
		WebClient client = this.app.bean(WebClient.Builder.class).build();
		return (url) -> client.get().uri(url).retrieve().bodyToMono(String.class).block();
	}

	@Configuration(proxyBeanMethods = false)
	static class LoadBalancedClients {

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

	}

}
