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
import java.util.concurrent.atomic.AtomicInteger;

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
import org.openjdk.jmh.runner.RunnerException;

/**
 * Borrow, {@code select 1}, return, per second at 6 concurrent callers with 6 connections
 * in total: one plain Hikari pool of 6 to one server, the connbalance DataSource over
 * that server alone (6), and the connbalance DataSource over 3 servers (2 per pod). The
 * servers are real PostgreSQL processes on 127.0.0.2-4 of this machine.
 * <p>
 * The contenders take turns, one 2 s iteration each, in every round: run
 * {@code java -cp bench/target/benchmarks.jar io.connbalance.bench.JdbcThroughputBenchmark [rounds]}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(time = 2)
@Measurement(time = 2)
@Threads(6)
@Fork(1)
public class JdbcThroughputBenchmark {

	static final List<String> CONTENDERS = List.of("one plain Hikari pool of 6 -> 1 server",
			"connbalance -> service of 1 server (pool of 6)", "connbalance -> 3 servers (2 per pod)",
			"3 plain Hikari pools of 2, 2 callers pinned to each");

	private final List<EmbeddedPostgres> servers = new ArrayList<>();

	private List<Borrower> contenders;

	private int iteration;

	private Borrower current;

	private final List<HikariDataSource> plainPools = new ArrayList<>();

	private final AtomicInteger callers = new AtomicInteger();

	/** The plain pool of each caller thread: callers are spread 2 to a pool. */
	private final ThreadLocal<HikariDataSource> pinned = ThreadLocal
		.withInitial(() -> this.plainPools.get(this.callers.getAndIncrement() % this.plainPools.size()));

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
		this.direct = plainPool(pods.get(0), 6);
		for (Pod pod : pods) {
			this.plainPools.add(plainPool(pod, 2));
		}
		this.contenders = List.of(this.direct::getConnection, this.onePod::getConnection, this.threePods::getConnection,
				() -> this.pinned.get().getConnection());
	}

	private static HikariDataSource plainPool(Pod pod, int size) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:postgresql://" + pod.address() + "/postgres");
		config.setUsername("postgres");
		config.setMaximumPoolSize(size);
		return new HikariDataSource(config);
	}

	public static void main(String[] args) throws RunnerException {
		Interleaved.run(JdbcThroughputBenchmark.class, CONTENDERS, args);
	}

	/**
	 * Each iteration measures the next contender, in the order of {@link #CONTENDERS}.
	 */
	@Setup(Level.Iteration)
	public void nextContender() {
		this.current = this.contenders.get(this.iteration++ % this.contenders.size());
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
		this.plainPools.forEach(HikariDataSource::close);
		for (EmbeddedPostgres server : this.servers) {
			server.close();
		}
	}

	@Benchmark
	public int interleaved() throws SQLException {
		return selectOne(this.current.borrow());
	}

	private static int selectOne(Connection borrowed) throws SQLException {
		try (Connection connection = borrowed;
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("select 1")) {
			result.next();
			return result.getInt(1);
		}
	}

	/**
	 * How a contender borrows a connection.
	 */
	@FunctionalInterface
	interface Borrower {

		Connection borrow() throws SQLException;

	}

}
