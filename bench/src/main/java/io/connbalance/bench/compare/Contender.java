package io.connbalance.bench.compare;

import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.connbalance.testsupport.GrpcPodServer;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.loadbalancer.cache.LoadBalancerCacheManager;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * One way of calling the pods, built as users build theirs: HTTP contenders send
 * {@code GET /whoami} through a WebClient from their own Spring Boot application context,
 * gRPC contenders call {@code Who} on a channel, JDBC contenders borrow a connection and
 * ask the server its {@code cluster_name}. Each call returns the answering pod's name.
 */
final class Contender implements AutoCloseable {

	/** The discovery every contender that discovers reads: one service, "backend". */
	static final MutableDiscoveryClient DISCOVERY = new MutableDiscoveryClient();

	/** The password of the JDBC contenders (the embedded servers trust loopback). */
	private static final String DB_PASSWORD = "bench";

	/** The server's name, as the JDBC contenders ask it. */
	private static final String WHO_QUERY = "select current_setting('cluster_name')";

	private final String name;

	private final ConfigurableApplicationContext context;

	private final IntFunction<String> call;

	private final AutoCloseable client;

	private Contender(String name, ConfigurableApplicationContext context, IntFunction<String> call,
			AutoCloseable client) {
		this.name = name;
		this.context = context;
		this.call = call;
		this.client = client;
	}

	private static Contender webClient(String name, ConfigurableApplicationContext context, String base) {
		WebClient client = context.getBean(WebClient.Builder.class).build();
		String url = base + "/whoami";
		// bench.timeout: how long a caller waits for an answer, for contenders without
		// one
		Duration timeout = context.getEnvironment().getProperty("bench.timeout", Duration.class);
		return new Contender(name, context, (request) -> {
			Mono<String> answer = client.get().uri(url).retrieve().bodyToMono(String.class);
			return ((timeout != null) ? answer.timeout(timeout) : answer).block();
		}, null);
	}

	/**
	 * connbalance with a strategy: Boot's WebClient.Builder calling http://backend.
	 * @param strategy the strategy
	 * @param properties more properties, such as a slow start
	 * @return the contender
	 */
	static Contender connbalance(String strategy, String... properties) {
		return named("connbalance " + strategy, strategy, properties);
	}

	/**
	 * connbalance with a strategy, under a name of its own.
	 * @param name the contender's name
	 * @param strategy the strategy
	 * @param properties more properties
	 * @return the contender
	 */
	static Contender named(String name, String strategy, String... properties) {
		return calling(name, "http://backend", strategy, properties);
	}

	/**
	 * connbalance with a strategy, under a name of its own, calling a URL base such as
	 * {@code https://backend}.
	 * @param name the contender's name
	 * @param base the URL base
	 * @param strategy the strategy
	 * @param properties more properties
	 * @return the contender
	 */
	static Contender calling(String name, String base, String strategy, String... properties) {
		List<String> all = new ArrayList<>(List.of("connbalance.services.backend.strategy=" + strategy));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = start(all);
		return webClient(name, context, base);
	}

	/**
	 * A WebClient over a Reactor Netty client of the caller's making, keep-alive, calling
	 * a fixed URL base: the direct client that connbalance's per-pod clients are measured
	 * against.
	 * @param name the contender's name
	 * @param client the Reactor Netty client
	 * @param base the URL base
	 * @return the contender
	 */
	static Contender direct(String name, reactor.netty.http.client.HttpClient client, String base) {
		WebClient webClient = WebClient.builder()
			.clientConnector(new org.springframework.http.client.reactive.ReactorClientHttpConnector(client))
			.build();
		String url = base + "/whoami";
		return new Contender(name, null,
				(request) -> webClient.get().uri(url).retrieve().bodyToMono(String.class).block(), null);
	}

	/**
	 * Spring Cloud LoadBalancer as users run it: a {@code @LoadBalanced}
	 * WebClient.Builder, its default round-robin and its 35 s instance cache, over the
	 * same discovery.
	 * @param properties more properties, such as {@code bench.timeout}
	 * @return the contender
	 */
	static Contender springCloudLoadBalancer(String... properties) {
		List<String> all = new ArrayList<>(List.of("connbalance.enabled=false", "bench.load-balanced=true"));
		all.addAll(List.of(properties));
		return webClient("Spring Cloud LoadBalancer", start(all), "http://backend");
	}

	/**
	 * A plain WebClient (Boot's, with connbalance off) calling a fixed address: a pod,
	 * the kube-proxy Service address or the HAProxy hop.
	 * @param name the contender's name
	 * @param base the URL base
	 * @param properties more properties, such as {@code bench.timeout}
	 * @return the contender
	 */
	static Contender plain(String name, String base, String... properties) {
		List<String> all = new ArrayList<>(List.of("connbalance.enabled=false"));
		all.addAll(List.of(properties));
		return webClient(name, start(all), base);
	}

	/**
	 * connbalance for gRPC: a channel to {@code connbalance:///backend}, one HTTP/2
	 * connection per pod. Only one may run at a time: the scheme resolves through the
	 * application that registered it.
	 * @param strategy the strategy
	 * @return the contender
	 */
	static Contender grpcConnbalance(String strategy) {
		ConfigurableApplicationContext context = start(List.of("connbalance.services.backend.strategy=" + strategy));
		ManagedChannel channel = ManagedChannelBuilder.forTarget("connbalance:///backend").usePlaintext().build();
		return new Contender("connbalance " + strategy, context, (request) -> GrpcPodServer.who(channel),
				() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
	}

	/**
	 * The naive gRPC client: one channel (pick_first, one HTTP/2 connection) to an
	 * address.
	 * @param name the contender's name
	 * @param base the address, as {@code http://host:port}
	 * @return the contender
	 */
	static Contender grpcChannel(String name, String base) {
		URI address = URI.create(base);
		ManagedChannel channel = ManagedChannelBuilder.forAddress(address.getHost(), address.getPort())
			.usePlaintext()
			.build();
		return new Contender(name, null, (request) -> GrpcPodServer.who(channel),
				() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
	}

	/**
	 * connbalance's multi-host DataSource over the PostgreSQL pods of "backend", with its
	 * defaults (a pool of up to 4 connections per pod).
	 * @return the contender
	 */
	static Contender jdbcConnbalance() {
		return jdbcConnbalance(WHO_QUERY);
	}

	/**
	 * connbalance's multi-host DataSource over the PostgreSQL pods of "backend", asking
	 * each borrowed connection a query whose one column is the server's name.
	 * @param query the query
	 * @param properties more properties, such as the pool size per pod
	 * @return the contender
	 */
	static Contender jdbcConnbalance(String query, String... properties) {
		List<String> all = new ArrayList<>(List.of("connbalance.services.backend.service-id=backend",
				"connbalance.datasources.db.service=backend",
				"connbalance.datasources.db.url=jdbc:postgresql://{host}:{port}/postgres",
				"connbalance.datasources.db.username=postgres", "connbalance.datasources.db.password=" + DB_PASSWORD));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = start(all);
		DataSource dataSource = context.getBean(DataSource.class);
		return new Contender("connbalance DataSource", context, (request) -> query(dataSource, query), null);
	}

	/**
	 * The naive JDBC client: one HikariCP pool with Hikari's defaults (it opens all its
	 * connections at once) on a JDBC URL.
	 * @param name the contender's name
	 * @param url the JDBC URL
	 * @param size the pool's size
	 * @return the contender
	 */
	static Contender jdbcPool(String name, String url, int size) {
		return jdbcPool(name, url, size, WHO_QUERY);
	}

	/**
	 * The naive JDBC client asking a query of its own.
	 * @param name the contender's name
	 * @param url the JDBC URL
	 * @param size the pool's size
	 * @param query a query whose one column is the server's name
	 * @return the contender
	 */
	static Contender jdbcPool(String name, String url, int size, String query) {
		HikariDataSource pool = new HikariDataSource();
		pool.setPoolName("bench");
		pool.setJdbcUrl(url);
		pool.setUsername("postgres");
		pool.setPassword(DB_PASSWORD);
		pool.setMaximumPoolSize(size);
		return new Contender(name, null, (request) -> query(pool, query), pool);
	}

	private static String query(DataSource dataSource, String query) {
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(query)) {
			result.next();
			return result.getString(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex.getMessage(), ex);
		}
	}

	private static ConfigurableApplicationContext start(List<String> properties) {
		List<String> all = new ArrayList<>(List.of("spring.main.banner-mode=off", "logging.level.root=WARN",
				"logging.level.io.connbalance=ERROR", "spring.cloud.discovery.reactive.enabled=false",
				"connbalance.refresh.interval=1s", "spring.cloud.compatibility-verifier.enabled=false"));
		all.addAll(properties);
		return new SpringApplicationBuilder(BenchApplication.class).web(WebApplicationType.NONE)
			.properties(all.toArray(String[]::new))
			.run();
	}

	String name() {
		return this.name;
	}

	/**
	 * Tells the contender's application that discovery changed, as Spring Cloud's
	 * discovery clients announce it (a {@link HeartbeatEvent}, which Spring Cloud
	 * Kubernetes publishes on each change it watches): connbalance refreshes at once, as
	 * its own Kubernetes source does on each watch event. Other applications do with it
	 * what they do.
	 */
	void discoveryChanged() {
		if (this.context != null && this.context.isActive()) {
			this.context.publishEvent(new HeartbeatEvent(this, System.nanoTime()));
		}
	}

	/**
	 * This contender under another name.
	 * @param name the name
	 * @return the contender
	 */
	Contender renamed(String name) {
		return new Contender(name, this.context, this.call, this.client);
	}

	/**
	 * This contender, closing something more when it closes.
	 * @param resource what to close after it, such as the proxy it calls through
	 * @return the contender
	 */
	Contender closing(AutoCloseable resource) {
		return new Contender(this.name, this.context, this.call, () -> {
			try {
				if (this.client != null) {
					this.client.close();
				}
			}
			finally {
				resource.close();
			}
		});
	}

	/**
	 * Sends one request.
	 * @param request the caller's request number (unused)
	 * @return the name of the pod that answered
	 */
	String call(int request) {
		return this.call.apply(request);
	}

	/**
	 * The Spring Cloud LoadBalancer instance cache in use, for the report.
	 * @return {@code " (cache: <class>)"}, or empty for other contenders
	 */
	String cache() {
		if (this.context == null) {
			return "";
		}
		String[] names = this.context.getBeanNamesForType(LoadBalancerCacheManager.class);
		boolean loadBalanced = this.context.getEnvironment().getProperty("bench.load-balanced", Boolean.class, false);
		return (!loadBalanced || names.length == 0) ? "" : " (cache: "
				+ this.context.getBean(names[0], LoadBalancerCacheManager.class).getClass().getSimpleName() + ")";
	}

	@Override
	public void close() {
		try {
			if (this.client != null) {
				this.client.close();
			}
		}
		catch (Exception ex) {
			System.out.println(this.name + " did not close: " + ex);
		}
		if (this.context != null) {
			this.context.close();
		}
	}

	/**
	 * The contenders' application: discovery, and for the Spring Cloud LoadBalancer
	 * contender a {@code @LoadBalanced} builder with caching enabled (without
	 * {@code @EnableCaching} it lists instances on every request and warns that it has no
	 * cache).
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class BenchApplication {

		@Bean
		DiscoveryClient benchDiscoveryClient() {
			return DISCOVERY;
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnProperty("bench.load-balanced")
		@EnableCaching
		static class LoadBalancedConfiguration {

			@Bean
			@LoadBalanced
			WebClient.Builder loadBalancedWebClientBuilder() {
				return WebClient.builder();
			}

		}

	}

}
