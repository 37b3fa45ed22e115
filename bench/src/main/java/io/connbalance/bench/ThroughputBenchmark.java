package io.connbalance.bench;

import java.time.Duration;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.http.ClientOptions;
import io.connbalance.http.HttpComponentsPodClient;
import io.connbalance.http.PodClients;
import io.connbalance.http.ServiceClientHttpRequestFactory;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.web.client.RestClient;

/**
 * Requests per second through RestClient at 3 concurrent callers holding 3 keep-alive
 * connections in total: connbalance over 3 pods (one connection each), connbalance to a
 * service of 1 pod, and a plain client to that pod. Pods are real HTTP servers on
 * 127.0.0.2-4, in this JVM: on a small machine they share its cores with the client.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(3)
@Fork(1)
public class ThroughputBenchmark {

	private static final Duration POOL_ACQUIRE = Duration.ofSeconds(5);

	private final List<HttpServer> servers = new ArrayList<>();

	private final List<ExecutorService> executors = new ArrayList<>();

	private RestClient connbalance;

	private RestClient direct;

	private PodClients<HttpComponentsPodClient> podClients;

	private HttpComponentsPodClient directClient;

	private String directUrl;

	@Setup(Level.Trial)
	public void setUp() throws IOException {
		System.setProperty("sun.net.httpserver.nodelay", "true");
		List<Pod> pods = new ArrayList<>();
		int port = 0;
		for (int i = 0; i < 3; i++) {
			HttpServer server = start("pod-" + (i + 1), "127.0.0." + (i + 2), port);
			port = server.getAddress().getPort();
			pods.add(new Pod("pod-" + (i + 1), "127.0.0." + (i + 2), port, null, io.connbalance.pod.PodState.READY));
		}
		PodRegistry registry = new PodRegistry(List.of("backend", "single"));
		ServiceBalancers balancers = new ServiceBalancers(registry,
				(service) -> BalancingStrategy.create(BalancingStrategy.LEAST_REQUEST));
		registry.update("backend", pods);
		registry.update("single", pods.subList(0, 1));
		// 3 connections in all, as the direct client has: one per pod, or three to the
		// single pod
		this.podClients = new PodClients<>(balancers, (service, pod) -> new HttpComponentsPodClient(pod,
				new ClientOptions(null, null, service.equals("single") ? 3 : 1, POOL_ACQUIRE)));
		this.directClient = new HttpComponentsPodClient(pods.get(0), new ClientOptions(null, null, 3, POOL_ACQUIRE));
		this.connbalance = RestClient.builder()
			.requestFactory(
					new ServiceClientHttpRequestFactory(this.directClient.requestFactory(), balancers, this.podClients))
			.build();
		this.direct = RestClient.builder().requestFactory(this.directClient.requestFactory()).build();
		this.directUrl = "http://127.0.0.2:" + port + "/whoami";
	}

	private HttpServer start(String name, String host, int port) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 100);
		ExecutorService executor = Executors.newFixedThreadPool(4);
		byte[] body = name.getBytes(StandardCharsets.UTF_8);
		server.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		server.setExecutor(executor);
		server.start();
		this.servers.add(server);
		this.executors.add(executor);
		return server;
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		int open = 0;
		for (HttpServer server : this.servers) {
			Pod pod = Pod.of(server.getAddress().getHostString(), server.getAddress().getPort());
			open += this.podClients.openConnections("backend", pod) + this.podClients.openConnections("single", pod);
		}
		System.out.println("connbalance connections open at the end: " + open + ", direct: "
				+ this.directClient.openConnections());
		this.podClients.close();
		this.directClient.close();
		this.servers.forEach((server) -> server.stop(0));
		this.executors.forEach(ExecutorService::shutdownNow);
	}

	@Benchmark
	public String connbalanceThreePods() {
		return this.connbalance.get().uri("http://backend/whoami").retrieve().body(String.class);
	}

	/** The same servers as {@link #directOnePod()}: isolates connbalance's own cost. */
	@Benchmark
	public String connbalanceOnePod() {
		return this.connbalance.get().uri("http://single/whoami").retrieve().body(String.class);
	}

	@Benchmark
	public String directOnePod() {
		return this.direct.get().uri(this.directUrl).retrieve().body(String.class);
	}

}
