package io.connbalance.http;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Map;

import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RandomL4Forwarder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The problem connbalance solves, reproduced: a Service that balances per TCP connection
 * gives a keep-alive client one pod for all its requests.
 */
class KubeProxyProblemTests {

	@Test
	void aKeepAliveClientThroughAPerConnectionBalancerLandsOnOnePod() throws Exception {
		try (PodServers<PodServer> pods = PodServers.start(3);
				RandomL4Forwarder service = new RandomL4Forwarder(
						pods.map((pod) -> new InetSocketAddress(pod.host(), pod.port())), 42)) {
			HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
			URI uri = URI.create("http://127.0.0.1:" + service.port() + "/whoami");
			for (int i = 0; i < 3000; i++) {
				HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(),
						HttpResponse.BodyHandlers.ofString());
				assertThat(response.statusCode()).isEqualTo(200);
			}
			Map<String, Long> served = pods.served();
			assertThat(served.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3000);
			assertThat(Collections.max(served.values())).as("busiest pod of %s", served).isGreaterThanOrEqualTo(2850);
		}
	}

}
