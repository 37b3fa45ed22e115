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
import io.connbalance.testsupport.PodServers;

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
				+ "workers; for PostgreSQL, %d connections per pod running `pg_sleep`), so 3 pods top out near %,d "
				+ "requests/s and 6 near %,d, whatever the machine's cores. %d callers, each sending its next request "
				+ "when the last has answered. 3 more pods join discovery (and kube-proxy's rules) at once after %d s; "
				+ "%d s later (%d s where a cache must expire first) they leave discovery, and %d s after that they "
				+ "stop, as after a preStop hook. Discovery announces each change (a `HeartbeatEvent`, as Spring "
				+ "Cloud Kubernetes does on a watch event); HAProxy is reloaded at that moment.", WORKERS,
				SERVICE_TIME.toMillis(), WORKERS, 3 * capacity(), 6 * capacity(), CALLERS, BEFORE.toSeconds(),
				AFTER_SHORT.toSeconds(), AFTER_LONG.toSeconds(), PRE_STOP.toSeconds());
		this.harness.line("");
		this.harness.line("- **gain**: requests/s over the last %.0f s with 6 pods over the last %.0f s with 3 (the "
				+ "ideal is 2.0x);", STEADY_SECONDS, STEADY_SECONDS);
		this.harness
			.line("- **to 90%%**: seconds from the new pods' appearance until a 0.5 s window carries 90%% of the "
					+ "6-pod rate (none when the gain is under 1.2x);");
		this.harness.line("- **failed at scale-down**: requests that failed from the moment the 3 pods left discovery "
				+ "to the end.");
		this.harness.line("");
		this.harness.line("| contender | req/s, 3 pods | req/s, 6 pods | gain | to 90%% (s) | p99 3 pods (ms) | "
				+ "p99 6 pods (ms) | failed at scale-down |");
		this.harness.line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
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
		PodServers<PodServer> pods = Harness
			.register(PodServers.start(count, PodServer.withCapacity(WORKERS, SERVICE_TIME)));
		return Fleet.of(this.harness.kubeProxy(), pods, pods);
	}

	private Fleet grpcFleet(int count) throws Exception {
		PodServers<GrpcPodServer> pods = Harness
			.register(PodServers.start(count, GrpcPodServer.withCapacity(WORKERS, SERVICE_TIME)));
		return Fleet.of(this.harness.kubeProxy(), pods, pods);
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
				Load.Result down = load.window(leaving, end);
				double gain = six.throughput() / three.throughput();
				double reached = reached(load.rates(), joined, leaving, six.throughput());
				String name = contender.name() + contender.cache();
				this.harness.line("| %s | %,.0f | %,.0f | %.2fx | %s | %.1f | %.1f | %,d |", name, three.throughput(),
						six.throughput(), gain, (gain < 1.2 || Double.isNaN(reached)) ? "-" : "%.2f".formatted(reached),
						three.percentileMillis(0.99), six.percentileMillis(0.99), down.failed());
				System.out.printf(Locale.ROOT, "  %-50s %,6.0f -> %,6.0f req/s (%.2fx), 90%% after %.2f s, failed %d%n",
						name, three.throughput(), six.throughput(), gain, reached, down.failed());
				curves.put(contender.name(), smooth(load.rates()));
			}
		}
	}

	/**
	 * Seconds from the new pods' appearance until a 0.5 s window carries 90% of the final
	 * rate, or NaN.
	 */
	static double reached(List<double[]> rates, double joined, double leaving, double finalRate) {
		for (int i = 1; i < rates.size(); i++) {
			double end = rates.get(i)[0];
			if (end - 0.5 < joined - 1e-9 || end > leaving) {
				continue;
			}
			double rate = (rates.get(i)[1] + rates.get(i - 1)[1]) / 2;
			if (rate >= 0.9 * finalRate) {
				return end - joined;
			}
		}
		return Double.NaN;
	}

	/** Rates over 0.5 s windows, for a chart that shows the trend more than the noise. */
	private static List<double[]> smooth(List<double[]> rates) {
		List<double[]> smooth = new ArrayList<>();
		for (int i = 1; i < rates.size(); i += 2) {
			smooth.add(new double[] { rates.get(i)[0], (rates.get(i)[1] + rates.get(i - 1)[1]) / 2 });
		}
		return smooth;
	}

}
