package io.connbalance.http;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import io.connbalance.testsupport.GrpcPodServer;
import io.connbalance.testsupport.IdleClosingServer;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RunningApp;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pods whose server closes keep-alive connections idle for a second, as gunicorn (2 s)
 * and Node.js (5 s) do, and a quiet client spread over ten of them (each pod sees a
 * request about every second, right when its server gives up on the connection) or over
 * 500 (most connections wait far longer than that); and gRPC pods whose server ends
 * connections idle for a second with GOAWAY.
 */
class IdleConnectionsIntegrationTests {

	private static final int REQUESTS = 200;

	@ParameterizedTest
	@ValueSource(ints = { 10, 500 })
	void connectionsThatServersClosedWhileIdleFailNoRequest(int pods) throws Exception {
		MutableDiscoveryClient discovery = new MutableDiscoveryClient();
		try (IdleClosingServer server = IdleClosingServer.start(Duration.ofSeconds(1))) {
			server.register(discovery, "backend", pods);
			try (RunningApp app = RunningApp.start(discovery, "connbalance.refresh.interval=1h")) {
				RestClient rest = app.restClient();
				WebClient web = app.webClient();
				CompletableFuture<List<String>> restFailures = CompletableFuture.supplyAsync(() -> everyTenthOfASecond(
						() -> rest.get().uri("http://backend/").retrieve().body(String.class)));
				CompletableFuture<List<String>> webFailures = CompletableFuture
					.supplyAsync(() -> everyTenthOfASecond(() -> web.get()
						.uri("http://backend/")
						.retrieve()
						.bodyToMono(String.class)
						.block(Duration.ofSeconds(10))));
				assertThat(restFailures.get()).as("RestClient failures").isEmpty();
				assertThat(webFailures.get()).as("WebClient failures").isEmpty();
			}
			System.out.println(pods + " pods: the servers closed " + server.closedIdle()
					+ " idle connections; requests reached " + server.served().size() + " pods");
			assertThat(server.served().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2L * REQUESTS);
			// the servers really closed connections under the clients' feet
			assertThat(server.closedIdle()).isGreaterThan(REQUESTS / 4);
		}
	}

	@Test
	void grpcConnectionsThatServersClosedWhileIdleFailNoCall() throws Exception {
		MutableDiscoveryClient discovery = new MutableDiscoveryClient();
		// a call every 50 ms over 20 pods: each pod gets one about every second, and
		// its connection often goes without a call for longer than its server allows
		// (grpc-java's shortest max-connection-idle is 1 s)
		try (PodServers<GrpcPodServer> pods = PodServers.start(20, GrpcPodServer.closingIdle(Duration.ofSeconds(1)))) {
			pods.all().forEach((pod) -> discovery.add("backend", pod));
			try (RunningApp app = RunningApp.start(discovery, "connbalance.refresh.interval=1h")) {
				ManagedChannel channel = ManagedChannelBuilder.forTarget("connbalance:///backend")
					.usePlaintext()
					.build();
				try {
					List<String> failures = every(Duration.ofMillis(50), () -> GrpcPodServer.who(channel));
					assertThat(failures).as("gRPC failures").isEmpty();
					// the servers really ended connections under the channel's feet
					assertThat(pods.map(GrpcPodServer::closedConnections).stream().mapToInt(Integer::intValue).sum())
						.isGreaterThan(REQUESTS / 10);
				}
				finally {
					channel.shutdownNow();
				}
			}
			Map<String, Long> served = pods.served();
			assertThat(served.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(REQUESTS);
			// least-request with one caller picks at random, which leaves a pod's
			// connection idle for more than a second now and then (round-robin would call
			// each pod every second on the dot); a pod left out of 200 picks is a chance
			// of 7 in 10,000, so the calls reached most pods, not necessarily all
			assertThat(served).as("pods called").hasSizeGreaterThanOrEqualTo(15);
		}
	}

	private static List<String> everyTenthOfASecond(Supplier<String> request) {
		return every(Duration.ofMillis(100), request);
	}

	private static List<String> every(Duration interval, Supplier<String> request) {
		List<String> failures = new CopyOnWriteArrayList<>();
		long next = System.nanoTime();
		for (int i = 0; i < REQUESTS; i++) {
			try {
				assertThat(request.get()).matches("127\\.0\\..*|pod-.*");
			}
			catch (RuntimeException ex) {
				failures.add(ex.toString());
			}
			next += interval.toNanos();
			long wait = next - System.nanoTime();
			if (wait > 0) {
				try {
					Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					break;
				}
			}
		}
		return failures;
	}

}
