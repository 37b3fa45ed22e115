package io.connbalance.bench.compare;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import io.connbalance.testsupport.GrpcPodServer;
import io.connbalance.testsupport.PodServer;

/**
 * Scenario capacity: whether pods added under load add capacity. Each pod serves at most
 * {@value #WORKERS} requests at once, each taking {@link #SERVICE_TIME} of waiting (not
 * computing), so a pod tops out near {@value #WORKERS} / 20 ms = 400 requests a second
 * whatever the machine's cores, and {@value #CALLERS} callers keep 3 pods and 6 pods
 * busy. 3 pods run, 3 more join under load, then those 3 leave under load.
 */
final class Capacity implements Compare.Scenario {

	/** The requests a pod serves at once. */
	static final int WORKERS = 8;

	/** The time each request takes a pod's worker. */
	static final Duration SERVICE_TIME = Duration.ofMillis(20);

	/** Enough callers to keep 6 pods' 48 workers busy. */
	static final int CALLERS = 64;

	/** The resolution of the timeline and of the windows. */
	private static final Duration BUCKET = Duration.ofMillis(250);

	private static final double BUCKET_SECONDS = BUCKET.toMillis() / 1000.0;

	/** The gain the pods that join must bring: 6 pods' rate is twice 3 pods'. */
	private static final double TARGET = 1.9;

	/** How long the target must hold to count as reached. */
	private static final double HOLD_SECONDS = 2;

	/** Load on 3 pods before the scale-up. */
	private static final Duration BEFORE = Duration.ofSeconds(8);

	/** The steady windows measured at the end of the 3-pod and the 6-pod phases. */
	private static final double STEADY_SECONDS = 4;

	/** After the scale-up: long enough for Spring Cloud LoadBalancer's 35 s cache. */
	private static final Duration AFTER_LONG = Duration.ofSeconds(45);

	/** After the scale-up, for contenders that have no cache to wait for. */
	private static final Duration AFTER_SHORT = Duration.ofSeconds(12);

	/** From leaving discovery to stopping, as after a preStop hook. */
	private static final Duration PRE_STOP = Duration.ofSeconds(3);

	/** Load after the pods that left have stopped. */
	private static final Duration AFTER_DOWN = Duration.ofSeconds(4);

	/** The query of the JDBC contenders: 20 ms on the server, then its name. */
	private static final String QUERY = "select current_setting('cluster_name') from pg_sleep("
			+ SERVICE_TIME.toMillis() / 1000.0 + ")";

	private final Harness harness;

	Capacity(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		this.harness.header("Capacity: 3 -> 6 -> 3 pods under load");
		this.harness.line("Each pod serves at most %d requests at once, each taking %d ms of waiting (a fixed pool of "
				+ "workers), so 3 pods top out near %,d requests/s and 6 near %,d, whatever the machine's cores. For "
				+ "PostgreSQL, whose `pg_sleep` takes no capacity of the server's, the pool's %d connections per pod "
				+ "stand in for the pod's workers, and the naive pool holds as many as connbalance's 3 pools. %d "
				+ "callers, each sending its next request when the last has answered. 3 more pods join discovery (and "
				+ "kube-proxy's rules) at once after %d s; %d s later (%d s where a cache must expire first) they leave "
				+ "discovery, and %d s after that they stop, as after a preStop hook. Discovery announces each change "
				+ "at once with a `HeartbeatEvent`, as connbalance's own EndpointSlice watch sees each change in a "
				+ "cluster (a discovery client that only polls would add its interval); HAProxy is reloaded at that "
				+ "moment. The pods never close connections themselves (Tomcat's default closes one after 100 "
				+ "requests, which would move kube-proxy's clients little by little).", WORKERS,
				SERVICE_TIME.toMillis(), 3 * capacity(), 6 * capacity(), WORKERS, CALLERS, BEFORE.toSeconds(),
				AFTER_SHORT.toSeconds(), AFTER_LONG.toSeconds(), PRE_STOP.toSeconds());
		this.harness.line("");
		this.harness.line("- **gain**: requests/s over the last %.0f s with 6 pods over the last %.0f s with 3 (the "
				+ "ideal is 2.0x);", STEADY_SECONDS, STEADY_SECONDS);
		this.harness.line("- **at 1 s**: requests/s over the last half second that ends by 1 s after the new pods "
				+ "appeared (0.75-1 s after, as the timeline's quarter seconds fall), over the 3-pod rate;");
		this.harness.line("- **to %.1fx**: seconds from the new pods' appearance until every half second for the next "
				+ "%.0f s carries %.1fx the 3-pod rate or more;", TARGET, HOLD_SECONDS, TARGET);
		this.harness.line("- **failed**: requests that failed while the pods joined (from their appearance to their "
				+ "leaving), and from their leaving discovery to the end, with the share of requests sent then.");
		this.harness.line("");
		this.harness
			.line("| contender | req/s, 3 pods | req/s, 6 pods | gain | at 1 s | to %.1fx (s) | p99 3 pods (ms) | "
					+ "p99 6 pods (ms) | failed as pods joined | failed as pods left |", TARGET);
		this.harness.line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
		Map<String, List<double[]>> http = new LinkedHashMap<>();
		for (Function<Fleet, Contender> factory : this.harness.withHaProxy(List.of(
				(fleet) -> Contender.connbalance("least-request").renamed("connbalance WebClient (least-request)"),
				(fleet) -> Contender.springCloudLoadBalancer(),
				(fleet) -> Contender.plain("kube-proxy", fleet.service())), 18600)) {
			run((count) -> httpFleet(count), factory, http);
		}
		Map<String, List<double[]>> grpc = new LinkedHashMap<>();
		run(this::grpcFleet,
				(fleet) -> Contender.grpcConnbalance("least-request").renamed("connbalance gRPC (least-request)"),
				grpc);
		run(this::grpcFleet,
				(fleet) -> Contender.grpcChannel("gRPC: one channel to the Service (kube-proxy)", fleet.service()),
				grpc);
		Map<String, List<double[]>> jdbc = new LinkedHashMap<>();
		run(this.harness::postgresFleet,
				(fleet) -> Contender.jdbcConnbalance(QUERY, "connbalance.datasources.db.pool-size-per-pod=" + WORKERS),
				jdbc);
		run(this.harness::postgresFleet, (fleet) -> {
			URI service = URI.create(fleet.service());
			return Contender.jdbcPool("JDBC: one HikariCP pool to the Service (kube-proxy)",
					"jdbc:postgresql://" + service.getHost() + ":" + service.getPort() + "/postgres", 3 * WORKERS,
					QUERY);
		}, jdbc);
		String axis = "seconds (3 pods join at %d s)".formatted(BEFORE.toSeconds());
		this.harness.chart("capacity-http.svg",
				Svg.lines("HTTP: requests/s as 3 pods join 3, then leave", axis, "requests/s", http, 6 * capacity()));
		this.harness.chart("capacity-grpc.svg",
				Svg.lines("gRPC: requests/s as 3 pods join 3, then leave", axis, "requests/s", grpc, 6 * capacity()));
		this.harness.chart("capacity-jdbc.svg", Svg.lines("JDBC (pg_sleep): requests/s as 3 pods join 3, then leave",
				axis, "requests/s", jdbc, 6 * capacity()));
	}

	private static int capacity() {
		return (int) (WORKERS * 1000 / SERVICE_TIME.toMillis());
	}

	private Fleet httpFleet(int count) throws Exception {
		return this.harness.fleet(count, PodServer.withCapacity(WORKERS, SERVICE_TIME));
	}

	private Fleet grpcFleet(int count) throws Exception {
		return this.harness.fleet(count, GrpcPodServer.withCapacity(WORKERS, SERVICE_TIME));
	}

	/** Runs one contender through 3 -> 6 -> 3 pods and writes its row. */
	private void run(Fleet.Starter fleets, Function<Fleet, Contender> factory, Map<String, List<double[]>> curves)
			throws Exception {
		try (Fleet fleet = fleets.start(3); Contender contender = factory.apply(fleet)) {
			fleet.onChange((addresses) -> contender.discoveryChanged());
			Duration after = contender.name().startsWith("Spring Cloud LoadBalancer") ? AFTER_LONG : AFTER_SHORT;
			Duration most = BEFORE.plus(after).plus(PRE_STOP).plus(AFTER_DOWN).plus(Duration.ofMinutes(2));
			try (Load load = new Load(CALLERS, contender::call, BUCKET, most)) {
				Harness.sleep(BEFORE);
				// PostgreSQL pods take seconds to start: the 3-pod window ends before
				double starting = load.elapsed();
				List<Fleet.Started> added = fleet.add(3);
				double joined = load.elapsed();
				Harness.sleep(after);
				double leaving = load.elapsed();
				fleet.remove(added.stream().map(Fleet.Started::host).toList());
				Harness.sleep(PRE_STOP);
				for (Fleet.Started pod : added) {
					pod.pod().close();
				}
				Harness.sleep(AFTER_DOWN);
				double end = load.elapsed();
				load.close();
				Load.Result three = load.window(starting - STEADY_SECONDS, starting);
				Load.Result six = load.window(leaving - STEADY_SECONDS, leaving);
				Load.Result up = load.window(joined, leaving);
				Load.Result down = load.window(leaving, end);
				double gain = six.throughput() / three.throughput();
				List<double[]> rates = load.rates();
				double atOneSecond = halfSecondEndingAt(rates, joined + 1) / three.throughput();
				double reached = reached(rates, joined, leaving, TARGET * three.throughput());
				String name = contender.name() + contender.cache();
				this.harness.line("| %s | %,.0f | %,.0f | %.2fx | %.2fx | %s | %.1f | %.1f | %s | %s |", name,
						three.throughput(), six.throughput(), gain, atOneSecond,
						Double.isNaN(reached) ? "not in %.0f s".formatted(leaving - joined) : "%.2f".formatted(reached),
						three.percentileMillis(0.99), six.percentileMillis(0.99), failed(up), failed(down));
				System.out.printf(Locale.ROOT,
						"  %-50s %,6.0f -> %,6.0f req/s (%.2fx, %.2fx at 1 s), %.1fx after %.2f s, failed %d / %d%n",
						name, three.throughput(), six.throughput(), gain, atOneSecond, TARGET, reached, up.failed(),
						down.failed());
				curves.put(contender.name(), smooth(load.rates()));
			}
		}
	}

	/**
	 * Seconds from the new pods' appearance until every half second for the next
	 * {@link #HOLD_SECONDS} carries the target rate or more, or NaN.
	 */
	static double reached(List<double[]> rates, double joined, double leaving, double target) {
		int hold = (int) Math.round(HOLD_SECONDS / BUCKET_SECONDS);
		for (int i = 1; i + hold < rates.size(); i++) {
			double end = rates.get(i)[0];
			if (end - 0.5 < joined - 1e-9) {
				continue;
			}
			if (rates.get(i + hold)[0] > leaving) {
				break;
			}
			boolean held = true;
			for (int j = i; j <= i + hold && held; j++) {
				held = halfSecond(rates, j) >= target;
			}
			if (held) {
				return end - joined;
			}
		}
		return Double.NaN;
	}

	/**
	 * The rate of the half second that ends at the last bucket end at or before a time
	 * (at most one bucket, 0.25 s, before it).
	 */
	static double halfSecondEndingAt(List<double[]> rates, double time) {
		for (int i = rates.size() - 1; i >= 1; i--) {
			if (rates.get(i)[0] <= time + 1e-9) {
				return halfSecond(rates, i);
			}
		}
		return Double.NaN;
	}

	private static double halfSecond(List<double[]> rates, int end) {
		return (rates.get(end)[1] + rates.get(end - 1)[1]) / 2;
	}

	private static String failed(Load.Result result) {
		long sent = result.answered() + result.failed();
		return (result.failed() == 0) ? "0"
				: "%,d (%.1f%%)".formatted(result.failed(), 100.0 * result.failed() / Math.max(1, sent));
	}

	/** Rates over 0.5 s windows, for a chart that shows the trend more than the noise. */
	private static List<double[]> smooth(List<double[]> rates) {
		List<double[]> smooth = new ArrayList<>();
		for (int i = 1; i < rates.size(); i += 2) {
			smooth.add(new double[] { rates.get(i)[0], halfSecond(rates, i) });
		}
		return smooth;
	}

}
