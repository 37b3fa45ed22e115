package io.connbalance.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import jakarta.annotation.PostConstruct;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.jdbc.core.JdbcTemplate;

import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.Distribution;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PostgresPods;
import io.connbalance.testsupport.RunningApp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The multi-host DataSource against real PostgreSQL servers on 127.0.0.2 and up, each
 * told apart by {@code select inet_server_port()}.
 */
class JdbcBalancingIntegrationTests {

	private static final String PASSWORD = "pw-that-never-shows-7f3a";

	private static PostgresPods postgres;

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private RunningApp app;

	@BeforeAll
	static void startServers() {
		postgres = PostgresPods.start(4);
	}

	@AfterAll
	static void stopServers() {
		postgres.close();
	}

	@AfterEach
	void stopApp() {
		if (this.app != null) {
			this.app.close();
		}
	}

	@Test
	void pgjdbcsOwnLoadBalancingPicksHostsAtRandom() throws Exception {
		String hosts = postgres.all()
			.subList(0, 3)
			.stream()
			.map((server) -> server.host() + ":" + server.port())
			.collect(Collectors.joining(","));
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:postgresql://" + hosts + "/postgres?loadBalanceHosts=true");
		config.setUsername("postgres");
		config.setMaximumPoolSize(6);
		try (HikariDataSource pool = new HikariDataSource(config)) {
			Map<String, Integer> perServer = holdAndCount(pool, 6);
			// pgjdbc shuffles the hosts for each new connection: any split can come out,
			// {2,2,2} only by luck. What it gives is recorded, not asserted.
			System.out.println("pgjdbc loadBalanceHosts=true, pool of 6 over 3 hosts: " + perServer);
			assertThat(perServer.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(6);
			assertThat(perServer.keySet()).isSubsetOf(serverNames());
		}
	}

	@Test
	void connectionsHeldAtOnceSplitExactlyAndBorrowsSpreadEvenly() throws Exception {
		register(0, 1, 2);
		this.app = start("connbalance.datasources.replicas.pool-size-per-pod=2");
		DataSource dataSource = this.app.bean(DataSource.class);
		assertThat(dataSource).isInstanceOf(PodDataSource.class);
		assertThat(holdAndCount(dataSource, 6)).containsOnly(Map.entry("pg-1", 2), Map.entry("pg-2", 2),
				Map.entry("pg-3", 2));

		JdbcTemplate jdbc = this.app.bean(JdbcTemplate.class);
		Map<String, Long> before = this.app.podValues("pg", "/requests/total");
		Map<String, AtomicLong> answered = new TreeMap<>();
		postgres.all().forEach((server) -> answered.put(server.name(), new AtomicLong()));
		ExecutorService callers = Executors.newFixedThreadPool(12);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int i = 0; i < 12; i++) {
				done.add(callers.submit(() -> {
					for (int query = 0; query < 250; query++) {
						// 2 ms on every server: on this shared machine, plain CPU-bound
						// queries
						// would run faster on some servers than others, and a pod that
						// answers
						// faster rightly gets more borrows
						answered
							.get(nameOf(jdbc.queryForObject("select inet_server_port() from pg_sleep(0.002)",
									Integer.class)))
							.incrementAndGet();
					}
				}));
			}
			for (Future<?> caller : done) {
				caller.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			callers.shutdownNow();
		}
		Map<String, Long> borrows = since(this.app.podValues("pg", "/requests/total"), before);
		assertThat(borrows.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3000);
		Distribution.assertEven(borrows, 3, 0.05);
		Map<String, Long> byServer = answered.entrySet()
			.stream()
			.filter((entry) -> entry.getValue().get() > 0)
			.collect(Collectors.toMap(Map.Entry::getKey, (entry) -> entry.getValue().get()));
		assertThat(byServer).isEqualTo(borrows);
		assertThat(this.app.podValues("pg", "/connections/jdbc").values()).hasSize(3)
			.allSatisfy((open) -> assertThat(open).isBetween(1L, 2L));
		assertThat(this.app.get("/actuator/connbalance").body()).doesNotContain(PASSWORD);

		MeterRegistry meters = this.app.bean(MeterRegistry.class);
		for (String pod : List.of("pg-1", "pg-2", "pg-3")) {
			assertThat(meters.find("hikaricp.connections.max").tag("pool", "connbalance-replicas-pg-" + pod).gauge())
				.as("pool metrics of %s", pod)
				.isNotNull()
				.satisfies((gauge) -> assertThat(gauge.value()).isEqualTo(2.0));
		}
		// connbalance's meters: borrows under client "jdbc", pool connections as the
		// endpoint reads them
		Map<String, Long> total = this.app.podValues("pg", "/requests/total");
		Map<String, Long> open = this.app.podValues("pg", "/connections/jdbc");
		for (String pod : List.of("pg-1", "pg-2", "pg-3")) {
			assertThat((long) meters.get("connbalance.requests")
				.tags("service", "pg", "pod", pod, "client", "jdbc")
				.timers()
				.stream()
				.mapToLong(Timer::count)
				.sum()).isEqualTo(total.get(pod));
			assertThat(meters.get("connbalance.connections")
				.tags("service", "pg", "pod", pod, "client", "jdbc")
				.gauge()
				.value()).isEqualTo(open.get(pod).doubleValue());
		}
		String health = this.app.get("/actuator/health/connbalanceDataSources").body();
		JsonNode replicas = RunningApp.parse(health).at("/components/replicas");
		assertThat(replicas.get("status").asString()).isEqualTo("UP");
		assertThat(replicas.at("/details/pods/pg-2/state").asString()).isEqualTo("ready");
		assertThat(health).doesNotContain(PASSWORD);
	}

	@Test
	void aNewServerTakesItsShareOfBorrowsWithinTwoRefreshIntervalsWithoutFailures() throws Exception {
		register(0, 1, 2);
		Duration interval = Duration.ofSeconds(1);
		this.app = start("connbalance.refresh.interval=1s");
		try (Load load = new Load(this.app.bean(JdbcTemplate.class), 8)) {
			Await.until(Duration.ofSeconds(10), () -> load.queries() > 500);
			Map<String, Long> open = this.app.podValues("pg", "/connections/jdbc");
			postgres.get(3).register(this.discovery, "pg");
			Thread.sleep(interval.multipliedBy(2).toMillis());
			Map<String, Long> before = this.app.podValues("pg", "/requests/total");
			Thread.sleep(2000);
			Map<String, Long> window = since(this.app.podValues("pg", "/requests/total"), before);
			long total = window.values().stream().mapToLong(Long::longValue).sum();
			// each borrow goes to the server with the fewest borrowed now, so the split
			// follows how fast each server gives connections back: with four servers and
			// the load on two busy cores it came out between 17% and 25% for the new one,
			// and an old server went as low as 22%; a new server left out would get none
			assertThat((double) window.getOrDefault("pg-4", 0L) / total).as("share of pg-4 in %s", window)
				.isGreaterThanOrEqualTo(0.125);
			assertThat(load.stop()).as("failed queries").isZero();
			// the other pods kept their connections: closing them as a pod joins
			// would take capacity away just as it grows
			Map<String, Long> after = this.app.podValues("pg", "/connections/jdbc");
			open.forEach((pod, count) -> assertThat(after.get(pod)).as("open connections of %s", pod)
				.isGreaterThanOrEqualTo(count));
		}
	}

	@Test
	void aServerThatLeavesUnderLoadLosesNoQueryAndItsPoolClosesOnceItsConnectionsReturn() throws Exception {
		register(0, 1, 2);
		this.app = start("connbalance.refresh.interval=1h");
		PodDataSource dataSource = this.app.bean(PodDataSource.class);
		PostgresPods.Server leaving = postgres.get(2);
		String leavingAddress = leaving.host() + ":" + leaving.port();
		// a connection borrowed from pg-3 stays out while it leaves; borrowed before the
		// load starts, when each borrow held goes to a pod with none borrowed yet
		Connection onLeaving = borrowFrom(dataSource, leaving);
		try (Load load = new Load(this.app.bean(JdbcTemplate.class), 8)) {
			Await.until(Duration.ofSeconds(10), () -> load.queries() > 500);
			this.discovery.remove("pg", leaving.host());
			this.app.refresher().refreshNow();
			assertThat(hasPool(dataSource, leavingAddress)).isTrue();
			Map<String, Long> before = this.app.podValues("pg", "/requests/total");
			long queriesBefore = load.queries();
			Await.until(Duration.ofSeconds(10), () -> load.queries() > queriesBefore + 1000);
			assertThat(since(this.app.podValues("pg", "/requests/total"), before)).containsEntry("pg-3", 0L);
			assertThat(serverName(onLeaving)).isEqualTo("pg-3");
			onLeaving.close();
			Await.until(Duration.ofSeconds(10), () -> !hasPool(dataSource, leavingAddress));
			assertThat(load.stop()).as("failed queries").isZero();
		}
	}

	@Test
	void aServerThatStopsIsSkippedAndMarkedAndTheQueryRunningOnItFails() throws Exception {
		try (PostgresPods extra = PostgresPods.start(0)) {
			register(0, 1);
			this.app = start("connbalance.datasources.replicas.connection-timeout=1s");
			PodDataSource dataSource = this.app.bean(PodDataSource.class);
			PostgresPods.Server stopping = extra.add("pg-5", "127.0.0.6");
			stopping.register(this.discovery, "pg");
			this.app.refresher().refreshNow();
			Connection running = borrowFrom(dataSource, stopping);
			ExecutorService executor = Executors.newSingleThreadExecutor();
			try {
				Future<?> query = executor.submit(() -> {
					try (Statement statement = running.createStatement()) {
						statement.execute("select pg_sleep(30)");
					}
					return null;
				});
				Thread.sleep(300);
				stopping.close();
				// the query that was running on it fails: connbalance does not retry
				// queries
				assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
					.isThrownBy(() -> query.get(30, TimeUnit.SECONDS))
					.withCauseInstanceOf(SQLException.class);
				running.close();
			}
			finally {
				executor.shutdownNow();
			}
			JdbcTemplate jdbc = this.app.bean(JdbcTemplate.class);
			for (int i = 0; i < 30; i++) {
				assertThat(nameOf(jdbc.queryForObject("select inet_server_port()", Integer.class))).isIn("pg-1",
						"pg-2");
			}
			JsonNode pod = this.app.pod("pg", stopping.name());
			assertThat(pod.get("state").asString()).isEqualTo("ejected");
			assertThat(pod.at("/requests/failed").asLong()).isPositive();
			JsonNode health = RunningApp.parse(this.app.get("/actuator/health/connbalanceDataSources/replicas").body());
			assertThat(health.get("status").asString()).as("two pods still serve").isEqualTo("UP");
			assertThat(health.at("/details/pods/pg-5/state").asString()).isEqualTo("unreachable");
		}
	}

	@Test
	void aConnectionClosedThroughItsStatementIsReturnedOnce() throws Exception {
		register(0);
		this.app = start();
		PodDataSource dataSource = this.app.bean(PodDataSource.class);
		Connection connection = dataSource.getConnection();
		PreparedStatement statement = connection.prepareStatement("select 1");
		statement.executeQuery().close();
		assertThat(statement.getConnection()).isSameAs(connection);
		assertThat(connection.getMetaData().getConnection()).isSameAs(connection);
		assertThat(borrowed(dataSource)).isOne();
		// as JDBC helpers that are handed a statement do
		statement.getConnection().close();
		assertThat(borrowed(dataSource)).isZero();
		connection.close();
		assertThat(borrowed(dataSource)).isZero();
		assertThat(this.app.podValues("pg", "/requests/inFlight")).containsEntry("pg-1", 0L);
	}

	@Test
	void aBeanThatQueriesWhileTheContextStartsFindsThePods() {
		register(0, 1);
		this.app = start(List.of(StartupQuery.class));
		assertThat(this.app.bean(StartupQuery.class).server).isIn("pg-1", "pg-2");
	}

	@Test
	void aPodWithEveryConnectionBorrowedIsBusyNotFailing() throws Exception {
		register(0, 1, 2);
		this.app = start("connbalance.datasources.replicas.pool-size-per-pod=1",
				"connbalance.datasources.replicas.connection-timeout=250ms");
		DataSource dataSource = this.app.bean(DataSource.class);
		List<Connection> held = new ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				held.add(dataSource.getConnection());
			}
			for (int i = 0; i < 6; i++) {
				assertThatExceptionOfType(SQLException.class).isThrownBy(dataSource::getConnection)
					.withMessageContaining("request timed out");
			}
			// every pod failed 6 borrows in a row, each for want of a free connection
			assertThat(this.app.podValues("pg", "/requests/failed")).containsOnly(Map.entry("pg-1", 6L),
					Map.entry("pg-2", 6L), Map.entry("pg-3", 6L));
		}
		finally {
			for (Connection connection : held) {
				connection.close();
			}
		}
		// a full pool is no sign of a failing pod: none is ejected (5 pod failures in a
		// row would eject one), and the next borrows use all three
		for (String pod : List.of("pg-1", "pg-2", "pg-3")) {
			assertThat(this.app.pod("pg", pod).get("state").asString()).as(pod).isEqualTo("ready");
		}
		assertThat(holdAndCount(dataSource, 3)).containsOnly(Map.entry("pg-1", 1), Map.entry("pg-2", 1),
				Map.entry("pg-3", 1));
	}

	@Test
	void whenNoPodGivesAConnectionTheErrorNamesTheServiceAndThePodsTried() {
		this.discovery.add("pg", "127.0.0.9", 1, Map.of("pod-name", "pg-gone"));
		this.app = start("connbalance.datasources.replicas.connection-timeout=250ms");
		DataSource dataSource = this.app.bean(DataSource.class);
		assertThatExceptionOfType(SQLException.class).isThrownBy(dataSource::getConnection)
			.withMessageStartingWith("connbalance DataSource 'replicas' (service 'pg'): no pod gave a connection; "
					+ "tried pg-gone (127.0.0.9:1): ")
			.withMessageNotContaining(PASSWORD)
			.satisfies((ex) -> assertThat(ex.getSQLState()).isEqualTo("08001"));
	}

	private void register(int... indexes) {
		for (int index : indexes) {
			postgres.get(index).register(this.discovery, "pg");
		}
	}

	private RunningApp start(String... properties) {
		return start(List.of(), properties);
	}

	private RunningApp start(List<Class<?>> configuration, String... properties) {
		// with Spring Boot's DataSource auto-configuration, which must back off
		List<String> all = new ArrayList<>(List.of("spring.autoconfigure.exclude=",
				"connbalance.services.pg.service-id=pg", "connbalance.datasources.replicas.service=pg",
				"connbalance.datasources.replicas.url=jdbc:postgresql://{host}:{port}/postgres",
				"connbalance.datasources.replicas.username=postgres",
				"connbalance.datasources.replicas.password=" + PASSWORD,
				"management.endpoints.web.exposure.include=connbalance,health",
				"management.endpoint.health.show-details=always"));
		all.addAll(List.of(properties));
		return RunningApp.start(this.discovery, configuration, all.toArray(String[]::new));
	}

	private static int borrowed(PodDataSource dataSource) {
		return dataSource.pools().stream().mapToInt(PodDataSource.PoolState::borrowed).sum();
	}

	private static boolean hasPool(PodDataSource dataSource, String address) {
		return dataSource.pools().stream().anyMatch((pool) -> pool.pod().address().equals(address));
	}

	/** Borrows until a connection of the given server comes out; returns the others. */
	private static Connection borrowFrom(DataSource dataSource, PostgresPods.Server server) throws SQLException {
		List<Connection> others = new ArrayList<>();
		try {
			for (int i = 0; i < 6; i++) {
				Connection connection = dataSource.getConnection();
				if (serverPort(connection) == server.port()) {
					return connection;
				}
				others.add(connection);
			}
			throw new IllegalStateException("No connection to " + server.name());
		}
		finally {
			for (Connection other : others) {
				other.close();
			}
		}
	}

	/** Holds {@code count} connections at once and counts them per server. */
	private static Map<String, Integer> holdAndCount(DataSource dataSource, int count) throws SQLException {
		List<Connection> held = new ArrayList<>();
		try {
			Map<String, Integer> perServer = new TreeMap<>();
			for (int i = 0; i < count; i++) {
				Connection connection = dataSource.getConnection();
				held.add(connection);
				perServer.merge(serverName(connection), 1, Integer::sum);
			}
			return perServer;
		}
		finally {
			for (Connection connection : held) {
				connection.close();
			}
		}
	}

	private static String serverName(Connection connection) throws SQLException {
		return nameOf(serverPort(connection));
	}

	private static int serverPort(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("select inet_server_port()")) {
			result.next();
			return result.getInt(1);
		}
	}

	private static String nameOf(Integer port) {
		return postgres.all()
			.stream()
			.filter((server) -> server.port() == port)
			.map(PostgresPods.Server::name)
			.findFirst()
			.orElse("port " + port);
	}

	private static List<String> serverNames() {
		return postgres.all().stream().map(PostgresPods.Server::name).toList();
	}

	private static Map<String, Long> since(Map<String, Long> now, Map<String, Long> before) {
		Map<String, Long> difference = new TreeMap<>();
		now.forEach((pod, count) -> difference.put(pod, count - before.getOrDefault(pod, 0L)));
		return difference;
	}

	/**
	 * Queries once, while the context starts, as a schema check or a cache warm-up does.
	 */
	static class StartupQuery {

		private final JdbcTemplate jdbc;

		private String server;

		StartupQuery(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		@PostConstruct
		void query() {
			this.server = nameOf(this.jdbc.queryForObject("select inet_server_port()", Integer.class));
		}

	}

	/**
	 * Queries without pause from several threads until stopped (at most 60 s).
	 */
	private static final class Load implements AutoCloseable {

		private final ExecutorService executor;

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final AtomicLong queries = new AtomicLong();

		private final AtomicLong failures = new AtomicLong();

		Load(JdbcTemplate jdbc, int threads) {
			this.executor = Executors.newFixedThreadPool(threads);
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			for (int i = 0; i < threads; i++) {
				this.executor.execute(() -> {
					while (this.running.get() && System.nanoTime() < deadline) {
						try {
							jdbc.queryForObject("select 1", Integer.class);
							this.queries.incrementAndGet();
						}
						catch (RuntimeException ex) {
							this.failures.incrementAndGet();
						}
					}
				});
			}
		}

		long queries() {
			return this.queries.get();
		}

		/** Stops and returns how many queries failed. */
		long stop() throws InterruptedException {
			this.running.set(false);
			this.executor.shutdown();
			this.executor.awaitTermination(30, TimeUnit.SECONDS);
			return this.failures.get();
		}

		@Override
		public void close() throws InterruptedException {
			stop();
		}

	}

}
