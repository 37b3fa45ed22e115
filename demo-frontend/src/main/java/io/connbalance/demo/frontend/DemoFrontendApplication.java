package io.connbalance.demo.frontend;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.connbalance.demo.api.WhoAmIGrpc;
import io.connbalance.demo.api.WhoAmIRequest;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.grpc.client.GrpcChannelFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A frontend that calls the backend through connbalance, over HTTP
 * ({@code http://backend/whoami}) and gRPC ({@code connbalance:///backend-grpc}), and
 * shows how the requests spread over the backend pods.
 */
@SpringBootApplication
@RestController
public class DemoFrontendApplication {

	private static final int MAX_REQUESTS = 10_000;

	/** The replica's pod name locally (cluster_name), else its address. */
	static final String WHICH_REPLICA = "select coalesce(nullif(current_setting('cluster_name'), ''), host(inet_server_addr()))";

	private final WebClient webClient;

	private final RestClient restClient;

	private final WhoAmIGrpc.WhoAmIBlockingStub grpc;

	private final JdbcTemplate jdbc;

	DemoFrontendApplication(WebClient.Builder webClient, RestClient.Builder restClient, GrpcChannelFactory channels,
			JdbcTemplate jdbc) {
		this.webClient = webClient.build();
		this.restClient = restClient.build();
		this.grpc = WhoAmIGrpc.newBlockingStub(channels.createChannel("backend"));
		this.jdbc = jdbc;
	}

	/**
	 * Sends requests through each client (WebClient, RestClient, gRPC, and queries
	 * through the DataSource) and counts the answers per pod.
	 * @param requests how many per client (at most 10000)
	 * @return pods and counts, per client
	 */
	@GetMapping("/spread")
	Map<String, Map<String, Integer>> spread(@RequestParam(defaultValue = "300") int requests) {
		int count = Math.max(1, Math.min(requests, MAX_REQUESTS));
		Map<String, Integer> viaWebClient = new TreeMap<>();
		Map<String, Integer> viaRestClient = new TreeMap<>();
		Map<String, Integer> viaGrpc = new TreeMap<>();
		Map<String, Integer> viaJdbc = new TreeMap<>();
		for (int i = 0; i < count; i++) {
			viaWebClient.merge(
					pod(this.webClient.get().uri("http://backend/whoami").retrieve().bodyToMono(Map.class).block()), 1,
					Integer::sum);
			viaRestClient.merge(pod(this.restClient.get().uri("http://backend/whoami").retrieve().body(Map.class)), 1,
					Integer::sum);
			viaGrpc.merge(this.grpc.withDeadlineAfter(10, TimeUnit.SECONDS)
				.whoAmI(WhoAmIRequest.getDefaultInstance())
				.getPod(), 1, Integer::sum);
			viaJdbc.merge(this.jdbc.queryForObject(WHICH_REPLICA, String.class), 1, Integer::sum);
		}
		return Map.of("webClient", viaWebClient, "restClient", viaRestClient, "grpc", viaGrpc, "jdbc", viaJdbc);
	}

	private static String pod(Map<?, ?> answer) {
		return String.valueOf(answer.get("pod"));
	}

	public static void main(String[] args) {
		SpringApplication.run(DemoFrontendApplication.class, args);
	}

}
