package io.connbalance.http;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.PodState;
import io.connbalance.testsupport.Distribution;
import io.connbalance.testsupport.NginxPods;
import io.connbalance.testsupport.NginxPods.Mode;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RestClient over the JDK's client, as in an application with neither Apache HttpClient 5
 * nor Reactor Netty: requests spread over the pods, and https verifies each pod against
 * the service's name.
 */
class JdkPodClientIntegrationTests {

	private static final ClientOptions PLAIN = new ClientOptions(Duration.ofSeconds(1), null, 4, Duration.ofSeconds(5));

	@Test
	void requestsSpreadEvenlyAndCarryThePodsAddressAsHost() throws Exception {
		try (PodServers<PodServer> pods = PodServers.start(3)) {
			RestClient client = client(pods.map((pod) -> Pod.of(pod.host(), pod.port())), PLAIN);
			for (int i = 0; i < 300; i++) {
				assertThat(client.get().uri("http://backend/header/Host").retrieve().body(String.class))
					.matches("pod-\\d 127\\.0\\.0\\.\\d:\\d+");
			}
			Distribution.assertEven(pods.served(), 3, 0.05);
		}
	}

	@Test
	void httpsVerifiesEachPodAgainstTheServicesNameAndAPodWithAnotherNameGetsNothing() throws Exception {
		try (NginxPods pods = NginxPods.start(Mode.HTTPS, "backend", "backend", "backend", "other")) {
			SslBundle bundle = SslBundle
				.of(new PemSslStoreBundle(null, PemSslStoreDetails.forCertificate("file:" + pods.caCertificate())));
			RestClient client = client(pods.pods().stream().map((pod) -> Pod.of(pod.host(), pod.port())).toList(),
					new ClientOptions(Duration.ofSeconds(1), null, 4, Duration.ofSeconds(5), bundle, false));
			Map<String, Integer> served = new HashMap<>();
			for (int i = 0; i < 300; i++) {
				String answer = client.get().uri("https://backend/").retrieve().body(String.class);
				served.merge(answer.substring(0, answer.indexOf('|')), 1, Integer::sum);
			}
			assertThat(served).doesNotContainKey("pod-4").hasSize(3);
			assertThat(served.values()).allSatisfy((count) -> assertThat(count).isBetween(85, 115));
		}
	}

	private static RestClient client(List<Pod> pods, ClientOptions options) {
		PodRegistry registry = new PodRegistry(List.of("backend"));
		ServiceBalancers balancers = new ServiceBalancers(registry,
				(service) -> BalancingStrategy.create(BalancingStrategy.ROUND_ROBIN));
		registry.update("backend",
				pods.stream()
					.map((pod) -> new Pod(pod.address(), pod.host(), pod.port(), null, PodState.READY))
					.toList());
		PodClients<JdkPodClient> clients = new PodClients<>(balancers,
				(service, pod) -> new JdkPodClient(service, options));
		return RestClient.builder()
			.requestFactory(new ServiceClientHttpRequestFactory(new JdkClientHttpRequestFactory(), balancers, clients))
			.build();
	}

}
