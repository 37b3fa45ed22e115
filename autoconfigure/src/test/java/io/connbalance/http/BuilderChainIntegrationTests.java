package io.connbalance.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.registry.ImportHttpServices;

import io.connbalance.testsupport.ClientKind;
import io.connbalance.testsupport.Distribution;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RunningApp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.entry;

/**
 * Requests for a service go through everything the builder does for any other host:
 * filters and interceptors added after connbalance's customizer, observations, codecs;
 * and pods see the {@code Host} the URL names.
 */
class BuilderChainIntegrationTests {

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private PodServers<PodServer> pods;

	private RunningApp app;

	@BeforeEach
	void start() throws Exception {
		this.pods = PodServers.start(3);
		this.pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=1h",
				"connbalance.services.backend.strategy=round-robin");
	}

	@AfterEach
	void stop() {
		if (this.app != null) {
			this.app.close();
		}
		this.pods.close();
	}

	@Test
	void aHeaderSetByAWebClientFilterAddedToTheBuilderReachesEveryPod() {
		WebClient client = this.app.bean(WebClient.Builder.class)
			.filter((request, next) -> next.exchange(ClientRequest.from(request).header("X-Test", "filtered").build()))
			.build();
		assertHeaderReachesEveryPod((url) -> client.get().uri(url).retrieve().bodyToMono(String.class).block());
	}

	@Test
	void aHeaderSetByARestClientInterceptorAddedToTheBuilderReachesEveryPod() {
		RestClient client = this.app.bean(RestClient.Builder.class).requestInterceptor((request, body, execution) -> {
			request.getHeaders().set("X-Test", "filtered");
			return execution.execute(request, body);
		}).build();
		assertHeaderReachesEveryPod((url) -> client.get().uri(url).retrieve().body(String.class));
	}

	private void assertHeaderReachesEveryPod(Function<String, String> get) {
		List<String> answers = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			answers.add(get.apply("http://backend/header/X-Test"));
		}
		assertThat(answers).allMatch((answer) -> answer.endsWith(" filtered"));
		Distribution.assertEven(this.pods.served(), 3, 0.01);
	}

	@Test
	void everyOtherHostGoesThroughTheTransportSpringBootWouldGiveTheBuilders() {
		Object factory = ReflectionTestUtils.getField(this.app.bean(RestClient.Builder.class), "requestFactory");
		assertThat(factory).isInstanceOf(ServiceClientHttpRequestFactory.class);
		assertThat(((ServiceClientHttpRequestFactory) factory).delegate())
			.isExactlyInstanceOf(ClientHttpRequestFactoryBuilder.detect().build().getClass());
		// Spring Boot's connector bean is connbalance's, wrapping the one Boot builds
		Object connector = ReflectionTestUtils.getField(this.app.bean(WebClient.Builder.class), "connector");
		assertThat(connector).isSameAs(this.app.bean(ClientHttpConnector.class))
			.isInstanceOf(ServiceClientHttpConnector.class);
		assertThat(((ServiceClientHttpConnector) connector).delegate())
			.isExactlyInstanceOf(ClientHttpConnectorBuilder.detect().build().getClass());
		// each RestClient builder has a factory of its own, as Spring Boot gives them
		assertThat(ReflectionTestUtils.getField(this.app.bean(RestClient.Builder.class), "requestFactory"))
			.isNotSameAs(factory);
	}

	@Test
	void aDefaultHeaderOfTheBuilderReachesThePods() {
		WebClient web = this.app.bean(WebClient.Builder.class).defaultHeader("X-Test", "web-default").build();
		RestClient rest = this.app.bean(RestClient.Builder.class).defaultHeader("X-Test", "rest-default").build();
		assertThat(web.get().uri("http://backend/header/X-Test").retrieve().bodyToMono(String.class).block())
			.endsWith(" web-default");
		assertThat(rest.get().uri("http://backend/header/X-Test").retrieve().body(String.class))
			.endsWith(" rest-default");
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void theTraceContextReachesThePods(ClientKind kind) {
		this.app.close();
		this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=1h",
				"management.tracing.enabled=true");
		String answer = kind.client(this.app).apply("http://backend/header/traceparent");
		assertThat(answer).matches("pod-\\d 00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void podsSeeTheHostTheUrlNames(ClientKind kind) {
		Function<String, String> client = kind.client(this.app);
		assertThat(client.apply("http://backend/header/Host")).endsWith(" backend");
		assertThat(client.apply("http://backend:8080/header/Host")).endsWith(" backend:8080");
		assertThat(this.pods.served().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void balancedCallsAreObservedWithTheirRealStatusOutcomeAndUriTemplate(ClientKind kind) {
		MeterRegistry registry = this.app.bean(MeterRegistry.class);
		for (int i = 0; i < 30; i++) {
			if (kind == ClientKind.WEB_CLIENT) {
				this.app.webClient()
					.get()
					.uri("http://backend/header/{name}", "Host")
					.retrieve()
					.bodyToMono(String.class)
					.block(Duration.ofSeconds(10));
			}
			else {
				this.app.restClient().get().uri("http://backend/header/{name}", "Host").retrieve().body(String.class);
			}
		}
		Timer timer = registry.find("http.client.requests")
			.tags("status", "200", "outcome", "SUCCESS", "uri", "/header/{name}", "client.name", "backend")
			.timer();
		assertThat(timer)
			.as("observations: %s",
					registry.find("http.client.requests")
						.timers()
						.stream()
						.map((found) -> found.getId().getTags() + "=" + found.count())
						.toList())
			.isNotNull();
		assertThat(timer.count()).isEqualTo(30);
		assertThat(this.pods.served().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(30);
	}

	@Test
	void httpInterfaceClientsOfAGroupOverTheServiceSpreadOverEveryPod() {
		this.app.close();
		this.app = RunningApp.start(this.discovery, List.of(HttpServices.class), "connbalance.refresh.interval=1h",
				"connbalance.services.backend.strategy=round-robin",
				"spring.http.serviceclient.backend.base-url=http://backend");
		WhoAmI client = this.app.bean(WhoAmI.class);
		for (int i = 0; i < 300; i++) {
			assertThat(client.whoami()).startsWith("pod-");
		}
		assertThat(this.pods.served()).containsOnly(entry("pod-1", 100L), entry("pod-2", 100L), entry("pod-3", 100L));
	}

	@Test
	void aDiscoveryClientThatCallsOverBootsRestClientWhileTheApplicationStartsStartsFine() {
		this.app.close();
		PodServer registry = this.pods.get(0);
		HttpDiscovery.url = "http://" + registry.host() + ":" + registry.port() + "/whoami";
		this.app = RunningApp.start(this.discovery, List.of(HttpDiscoveryConfiguration.class),
				"connbalance.refresh.interval=1h");
		assertThat(this.app.bean(HttpDiscovery.class).answers).isPositive();
		assertThat(this.app.restClient().get().uri("http://backend/whoami").retrieve().body(String.class))
			.startsWith("pod-");
	}

	@Test
	void theBuildersCodecsDecodeServiceResponses() {
		int size = 2 * 1024 * 1024;
		WebClient large = this.app.bean(WebClient.Builder.class)
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(4 * 1024 * 1024))
			.build();
		assertThat(large.get().uri("http://backend/bytes?n=" + size).retrieve().bodyToMono(String.class).block())
			.hasSize(size);
		WebClient small = this.app.bean(WebClient.Builder.class)
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(1024 * 1024))
			.build();
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(
					() -> small.get().uri("http://backend/bytes?n=" + size).retrieve().bodyToMono(String.class).block())
			.withRootCauseInstanceOf(DataBufferLimitException.class);
		// both requests reached a pod: the limit is the builder's, applied to the
		// response
		assertThat(this.pods.served().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
	}

	interface WhoAmI {

		@GetExchange("/whoami")
		String whoami();

	}

	/**
	 * A discovery client that asks a registry over HTTP, through a RestClient from Spring
	 * Boot's builder, as Eureka's does: it runs while connbalance's balancers are made.
	 */
	static class HttpDiscovery implements DiscoveryClient {

		static volatile String url;

		private final RestClient client;

		volatile int answers;

		HttpDiscovery(RestClient.Builder builder) {
			this.client = builder.build();
		}

		@Override
		public String description() {
			return "registry over HTTP";
		}

		@Override
		public List<ServiceInstance> getInstances(String serviceId) {
			if (this.client.get().uri(url).retrieve().body(String.class) != null) {
				this.answers++;
			}
			return List.of();
		}

		@Override
		public List<String> getServices() {
			return List.of();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class HttpDiscoveryConfiguration {

		@Bean
		HttpDiscovery httpDiscovery(RestClient.Builder builder) {
			return new HttpDiscovery(builder);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportHttpServices(group = "backend", types = WhoAmI.class)
	static class HttpServices {

	}

}
