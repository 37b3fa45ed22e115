package io.connbalance.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.restclient.autoconfigure.RestClientSsl;
import org.springframework.boot.webclient.autoconfigure.WebClientSsl;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import io.connbalance.testsupport.ClientKind;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.NginxPods;
import io.connbalance.testsupport.NginxPods.Mode;
import io.connbalance.testsupport.RunningApp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * https and HTTP/2 to real nginx pods with certificates from a test CA: TLS names the
 * service (SNI, hostname verification), whatever pod a request goes to.
 */
class HttpsAndHttp2IntegrationTests {

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private NginxPods pods;

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

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void httpsSpreadsEvenlyAndAPodWhoseCertificateNamesAnotherHostGetsNothing(ClientKind kind) throws Exception {
		this.pods = NginxPods.start(Mode.HTTPS, "backend", "backend", "backend", "other");
		this.pods.register(this.discovery, "backend");
		this.app = start();
		Function<String, String> client = kind.client(this.app);
		Function<String, String> post = (url) -> (kind == ClientKind.WEB_CLIENT)
				? this.app.webClient().post().uri(url).bodyValue("x").retrieve().bodyToMono(String.class).block()
				: this.app.restClient().post().uri(url).body("x").retrieve().body(String.class);
		Map<String, Integer> served = new HashMap<>();
		for (int i = 0; i < 300; i++) {
			// a POST that met the pod with the wrong certificate never reached it, and
			// goes to another pod as a GET does
			Answer answer = Answer.parse(((i % 2 == 0) ? post : client).apply("https://backend/"));
			assertThat(answer.protocol()).isEqualTo("HTTP/1.1");
			assertThat(answer.host()).isEqualTo("backend");
			served.merge(answer.pod(), 1, Integer::sum);
		}
		assertThat(served).doesNotContainKey("pod-4").hasSize(3);
		assertThat(served.values()).allSatisfy((count) -> assertThat(count).isBetween(85, 115));
		assertThat(this.app.pod("backend", "pod-4").get("state").asString()).isEqualTo("ejected");
		// the endpoint says why
		assertThat(this.app.pod("backend", "pod-4").get("lastFailure").asString()).containsIgnoringCase("backend")
			.containsAnyOf("SSLPeerUnverifiedException", "SSLHandshakeException", "CertificateException");
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void aClientMadeWithAnSslBundleOfItsOwnTrustsThePodsWithIt(ClientKind kind) throws Exception {
		this.pods = NginxPods.start(Mode.HTTPS, "backend", "backend", "backend");
		this.pods.register(this.discovery, "backend");
		// the bundle is neither connbalance's nor spring.http.clients'
		this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=1h",
				"connbalance.services.backend.strategy=round-robin",
				"spring.ssl.bundle.pem.backend-ca.truststore.certificate=file:" + this.pods.caCertificate());
		Function<String, String> client;
		if (kind == ClientKind.WEB_CLIENT) {
			WebClient web = this.app.bean(WebClient.Builder.class)
				.apply(this.app.bean(WebClientSsl.class).fromBundle("backend-ca"))
				.build();
			client = (url) -> web.get().uri(url).retrieve().bodyToMono(String.class).block();
		}
		else {
			RestClient rest = this.app.bean(RestClient.Builder.class)
				.apply(this.app.bean(RestClientSsl.class).fromBundle("backend-ca"))
				.build();
			client = (url) -> rest.get().uri(url).retrieve().body(String.class);
		}
		Map<String, Integer> served = new HashMap<>();
		for (int i = 0; i < 300; i++) {
			served.merge(Answer.parse(client.apply("https://backend/")).pod(), 1, Integer::sum);
		}
		assertThat(served).hasSize(3);
		assertThat(served.values()).allSatisfy((count) -> assertThat(count).isBetween(85, 115));
		// its connections count with the pods' others
		assertThat(this.app.podValues("backend", "/connections/http").values())
			.allSatisfy((open) -> assertThat(open).isPositive());
	}

	@ParameterizedTest
	@CsvSource({ "WEB_CLIENT, H2", "REST_CLIENT, H2", "WEB_CLIENT, H2C", "REST_CLIENT, H2C" })
	void http2CarriesConcurrentRequestsOnOneConnectionPerPod(ClientKind kind, Mode mode) throws Exception {
		this.pods = NginxPods.start(mode, "backend", "backend", "backend");
		this.pods.register(this.discovery, "backend");
		this.app = start("connbalance.services.backend.http2.enabled=true");
		Function<String, String> client = kind.client(this.app);
		String url = ((mode == Mode.H2) ? "https" : "http") + "://backend/";
		List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
		ExecutorService callers = Executors.newFixedThreadPool(16);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int i = 0; i < 16; i++) {
				running.add(callers.submit(() -> {
					for (int n = 0; n < 30; n++) {
						answers.add(Answer.parse(client.apply(url)));
					}
				}));
			}
			for (Future<?> caller : running) {
				caller.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			callers.shutdownNow();
		}
		assertThat(answers).hasSize(480).allSatisfy((answer) -> {
			assertThat(answer.protocol()).isEqualTo("HTTP/2.0");
			assertThat(answer.host()).isEqualTo("backend");
		});
		Map<String, Set<String>> connections = new HashMap<>();
		answers.forEach((answer) -> connections.computeIfAbsent(answer.pod(), (pod) -> new HashSet<>())
			.add(answer.connection()));
		assertThat(connections).hasSize(3);
		assertThat(connections.values()).as("connections per pod: %s", connections)
			.allSatisfy((ids) -> assertThat(ids).hasSize(1));
		assertThat(this.app.podValues("backend", "/connections/http").values()).containsOnly(1L);
	}

	private RunningApp start(String... properties) {
		// round-robin: each pod in turn, so that an even spread is no matter of chance
		List<String> all = new ArrayList<>(
				List.of("connbalance.refresh.interval=1h", "connbalance.services.backend.strategy=round-robin",
						"spring.ssl.bundle.pem.backend-ca.truststore.certificate=file:" + this.pods.caCertificate(),
						"connbalance.services.backend.ssl-bundle=backend-ca"));
		all.addAll(List.of(properties));
		return RunningApp.start(this.discovery, all.toArray(String[]::new));
	}

	/**
	 * What an nginx pod answers.
	 */
	private record Answer(String pod, String protocol, String host, String connection) {

		static Answer parse(String body) {
			String[] parts = body.split("\\|", -1);
			assertThat(parts).as(body).hasSize(4);
			return new Answer(parts[0], parts[1], parts[2], parts[3]);
		}

	}

}
