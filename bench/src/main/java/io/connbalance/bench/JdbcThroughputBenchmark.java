package io.connbalance.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.jdbc.PodDataSource;
import io.connbalance.jdbc.PoolSettings;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.PodState;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
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

/**
 * Borrow, {@code select 1}, return, per second at 6 concurrent callers with 6 connections
 * in total: the connbalance DataSource over 3 PostgreSQL servers (2 per pod), the
 * connbalance DataSource over 1 server (6), and one plain Hikari pool of 6 to that
 * server. The servers are real PostgreSQL processes on 127.0.0.2-4 of this machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(6)
@Fork(1)
public class JdbcThroughputBenchmark {

	private final List<EmbeddedPostgres> servers = new ArrayList<>();

	private PodDataSource threePods;

	private PodDataSource onePod;

	private HikariDataSource direct;

	@Setup(Level.Trial)
	public void setUp() throws IOException {
		List<Pod> pods = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			String host = "127.0.0." + (i + 2);
			EmbeddedPostgres server = EmbeddedPostgres.builder()
				.setPort(freePort())
				.setServerConfig("listen_addresses", "127.0.0.1," + host)
				.start();
			this.servers.add(server);
			pods.add(new Pod("pg-" + (i + 1), host, server.getPort(), null, PodState.READY));
		}
		PodRegistry registry = new PodRegistry(List.of("pg", "single"));
		ServiceBalancers balancers = new ServiceBalancers(registry,
				(service) -> BalancingStrategy.create(BalancingStrategy.LEAST_REQUEST));
		registry.update("pg", pods);
		registry.update("single", pods.subList(0, 1));
		String url = "jdbc:postgresql://{host}:{port}/postgres";
		this.threePods = new PodDataSource(
				new PoolSettings("three", "pg", url, "postgres", null, 2, Duration.ofSeconds(5), null),
				balancers.get("pg"), registry.get("pg"));
		this.onePod = new PodDataSource(
				new PoolSettings("one", "single", url, "postgres", null, 6, Duration.ofSeconds(5), null),
				balancers.get("single"), registry.get("single"));
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:postgresql://" + pods.get(0).address() + "/postgres");
		config.setUsername("postgres");
		config.setMaximumPoolSize(6);
		this.direct = new HikariDataSource(config);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() throws IOException {
		System.out.println("open connections: three pods "
				+ this.threePods.pools().stream().map((pool) -> pool.pod().name() + "=" + pool.open()).toList()
				+ ", one pod " + this.onePod.pools().get(0).open() + ", direct "
				+ this.direct.getHikariPoolMXBean().getTotalConnections());
		this.threePods.close();
		this.onePod.close();
		this.direct.close();
		for (EmbeddedPostgres server : this.servers) {
			server.close();
		}
	}

	@Benchmark
	public int connbalanceThreePods() throws SQLException {
		return selectOne(this.threePods.getConnection());
	}

	/**
	 * The same server and pool size as {@link #directOnePod()}: connbalance's own cost.
	 */
	@Benchmark
	public int connbalanceOnePod() throws SQLException {
		return selectOne(this.onePod.getConnection());
	}

	@Benchmark
	public int directOnePod() throws SQLException {
		return selectOne(this.direct.getConnection());
	}

	private static int selectOne(Connection borrowed) throws SQLException {
		try (Connection connection = borrowed;
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("select 1")) {
			result.next();
			return result.getInt(1);
		}
	}

}
