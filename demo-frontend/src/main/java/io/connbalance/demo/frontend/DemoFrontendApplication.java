package io.connbalance.demo.frontend;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.connbalance.demo.api.WhoAmIGrpc;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.refresh.PodRefresher;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Profile;
import org.springframework.grpc.client.GrpcChannelFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import org.springframework.web.reactive.socket.client.WebSocketClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A frontend that calls the backend through connbalance (WebClient and RestClient to
 * {@code http://backend/whoami}, gRPC to {@code connbalance:///backend-grpc}), queries
 * the PostgreSQL replicas through the connbalance DataSource, and sends the same traffic
 * the naive way for comparison. The dashboard at {@code /} shows where it all goes.
 */
@SpringBootApplication
@RestController
public class DemoFrontendApplication {

	/** At the pods' pace, 10 a second per pod, a few minutes at most. */
	private static final int MAX_REQUESTS = 1_000;

	private static final int SPREAD_CALLERS = 8;

	private final DemoClients clients;

	DemoFrontendApplication(DemoClients clients) {
		this.clients = clients;
	}

	/**
	 * Sends requests through each client kind at once and counts the answers per pod.
	 * @param requests how many per client kind (at most 1000)
	 * @return pods and counts, per client kind
	 */
	@GetMapping("/spread")
	Map<String, Map<String, Integer>> spread(@RequestParam(defaultValue = "300") int requests)
			throws InterruptedException, ExecutionException {
		int count = Math.max(1, Math.min(requests, MAX_REQUESTS));
		Map<String, Map<String, Integer>> byId = new TreeMap<>();
		// each kind from a few callers at once, as the pods serve a few at once each
		ExecutorService callers = Executors.newFixedThreadPool(SPREAD_CALLERS * ClientKind.values().length);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (ClientKind kind : ClientKind.values()) {
				Map<String, Integer> pods = new TreeMap<>();
				byId.put(kind.id(), pods);
				AtomicInteger left = new AtomicInteger(count);
				for (int i = 0; i < SPREAD_CALLERS; i++) {
					running.add(callers.submit(() -> {
						while (left.getAndDecrement() > 0) {
							String pod = this.clients.call(kind);
							synchronized (pods) {
								pods.merge(pod, 1, Integer::sum);
							}
						}
					}));
				}
			}
			for (Future<?> caller : running) {
				caller.get();
			}
		}
		finally {
			callers.shutdownNow();
		}
		return byId;
	}

	@Bean
	static DemoClients demoClients(WebClient.Builder webClient, RestClient.Builder restClient,
			GrpcChannelFactory channels, JdbcTemplate jdbc, NaivePath naive) {
		return new DemoClients(webClient.build(), restClient.build(),
				WhoAmIGrpc.newBlockingStub(channels.createChannel("backend")), jdbc, naive.uri());
	}

	/**
	 * Where the naive client goes: the Service's address ({@code demo.naive.url}, in a
	 * cluster through kube-proxy), else a local random per-connection forwarder to the
	 * backend pods.
	 */
	@Bean(destroyMethod = "close")
	static NaivePath naivePath(@Value("${demo.naive.url:}") String url, PodRegistry registry) throws IOException {
		if (StringUtils.hasText(url)) {
			return new NaivePath(URI.create(url), null);
		}
		RandomForwarder forwarder = new RandomForwarder(() -> registry.get(LocalPods.SERVICE)
			.pods()
			.stream()
			.filter(Pod::isReady)
			.map((pod) -> new InetSocketAddress(pod.host(), pod.port()))
			.toList());
		return new NaivePath(URI.create("http://127.0.0.1:" + forwarder.port()), forwarder);
	}

	/**
	 * WebSocket sessions: twelve through connbalance's client, twelve through the
	 * Service's address as a plain client opens them.
	 */
	@Bean
	static DemoSessions demoSessions(ObjectProvider<WebSocketClient> webSocketClient, NaivePath naive) {
		URI naiveUri = URI.create("ws://" + naive.uri().getRawAuthority() + "/ws/whoami");
		// connbalance's client, unless connbalance is off
		return new DemoSessions(webSocketClient.getIfAvailable(ReactorNettyWebSocketClient::new),
				URI.create("ws://backend/ws/whoami"), new ReactorNettyWebSocketClient(), naiveUri);
	}

	@Bean
	static DemoStats demoStats() {
		return new DemoStats(Clock.systemUTC());
	}

	@Bean
	static TrafficGenerator trafficGenerator(DemoClients clients, DemoStats stats,
			@Value("${demo.traffic.callers:16}") int callers, @Value("${demo.traffic.rate:80}") int rate,
			@Value("${demo.traffic.max-duration:1h}") Duration maxDuration) {
		return new TrafficGenerator(clients, stats, callers, rate, maxDuration);
	}

	@Bean
	@Profile("local")
	static LocalPods localPods(SimpleDiscoveryProperties simple,
			@Value("${demo.local.backend-jar:#{null}}") String backendJar, ObjectProvider<PodRefresher> refresher) {
		return new LocalPods(simple, backendJar, refresher);
	}

	/**
	 * The naive client's target, and the local forwarder behind it if there is one.
	 *
	 * @param uri the base URI
	 * @param forwarder the forwarder, or {@code null}
	 */
	record NaivePath(URI uri, RandomForwarder forwarder) implements AutoCloseable {

		@Override
		public void close() throws IOException {
			if (this.forwarder != null) {
				this.forwarder.close();
			}
		}

	}

	public static void main(String[] args) {
		SpringApplication.run(DemoFrontendApplication.class, args);
	}

}
