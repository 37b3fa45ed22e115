package io.connbalance.bench.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import io.connbalance.testsupport.GrpcPodServer;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.TestPod;

/**
 * What every scenario shares: the report it writes into, kube-proxy, the HAProxy hop when
 * installed, and the ways to start pods and run contenders side by side.
 */
final class Harness {

	static final int CALLERS = 4;

	/** connbalance's default most connections per pod, given to the naive pools too. */
	static final int POOL_SIZE_PER_POD = 4;

	private final int rounds;

	private final Duration window;

	private final Path docs;

	private final KubeProxy kubeProxy;

	private final boolean haproxy;

	private final StringBuilder report = new StringBuilder();

	Harness(int rounds, Duration window, Path docs, KubeProxy kubeProxy) {
		this.rounds = rounds;
		this.window = window;
		this.docs = docs;
		this.kubeProxy = kubeProxy;
		this.haproxy = HaProxy.available();
	}

	int rounds() {
		return this.rounds;
	}

	Duration window() {
		return this.window;
	}

	KubeProxy kubeProxy() {
		return this.kubeProxy;
	}

	boolean hasHaProxy() {
		return this.haproxy;
	}

	String report() {
		return this.report.toString();
	}

	void header(String title) {
		System.out.println("== " + title);
		line("");
		line("### " + title);
		line("");
	}

	void line(String format, Object... arguments) {
		this.report.append(String.format(Locale.ROOT, format, arguments)).append('\n');
	}

	void chart(String name, String svg) throws IOException {
		Files.writeString(this.docs.resolve(name), svg);
		line("");
		line("![%s](%s)", name, name);
	}

	/** Pods behind the service "backend", in discovery and in kube-proxy's rules. */
	Fleet httpFleet(int count) throws IOException {
		return fleet(count, PodServer::start);
	}

	Fleet grpcFleet(int count) throws IOException {
		return fleet(count, GrpcPodServer::start);
	}

	/**
	 * Pods of one kind behind the service "backend", in discovery and kube-proxy's rules.
	 */
	<P extends TestPod> Fleet fleet(int count, TestPod.Starter<P> starter) throws IOException {
		PodServers<P> pods = register(PodServers.start(count, starter));
		return Fleet.of(this.kubeProxy, pods, pods);
	}

	Fleet postgresFleet(int count) throws IOException {
		return Fleet.postgres(this.kubeProxy, count);
	}

	PodServers<PodServer> pods(int count) throws IOException {
		return register(PodServers.start(count));
	}

	/** Makes the pods, and only them, the instances of "backend". */
	static <P extends TestPod> PodServers<P> register(PodServers<P> pods) {
		Contender.DISCOVERY.clear("backend");
		pods.all().forEach((pod) -> Contender.DISCOVERY.add("backend", pod));
		return pods;
	}

	static List<InetSocketAddress> addresses(PodServers<? extends TestPod> pods) {
		return pods.all()
			.stream()
			.filter((pod) -> !(pod instanceof PodServer http) || http.isRunning())
			.map((pod) -> new InetSocketAddress(pod.host(), pod.port()))
			.toList();
	}

	/**
	 * HAProxy in front of the pods when it is installed, else {@code null} (which a
	 * try-with-resources skips).
	 */
	HaProxy haProxy(PodServers<PodServer> pods, int port) throws IOException {
		return this.haproxy ? HaProxy.start(addresses(pods), port) : null;
	}

	/** The contenders, and the HAProxy hop when it is installed. */
	List<Function<Fleet, Contender>> withHaProxy(List<Function<Fleet, Contender>> contenders, int port) {
		List<Function<Fleet, Contender>> all = new ArrayList<>(contenders);
		if (this.haproxy) {
			all.add((fleet) -> haProxy(fleet, port));
		}
		return all;
	}

	/**
	 * The HAProxy hop in front of the fleet, its backends rewritten (a new process takes
	 * over from the old one, {@code haproxy -sf}) whenever the pods change, as an ingress
	 * controller would.
	 */
	private static Contender haProxy(Fleet fleet, int port) {
		try {
			HaProxy proxy = HaProxy.start(fleet.addresses(), port);
			fleet.onChange((addresses) -> {
				try {
					proxy.reload(addresses);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
			return Contender.plain("HAProxy leastconn", proxy.url()).closing(proxy);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	Map<String, List<Load.Result>> interleave(List<Supplier<Contender>> suppliers) {
		return interleave(suppliers, false);
	}

	/**
	 * Runs contenders in rounds, one window each per round, after a warm-up window each.
	 * @param suppliers the contenders
	 * @param countWarmUp whether the warm-up's result comes first in each list (to count
	 * every request sent, as a failing pod's scenario must)
	 * @return each contender's results, in round order
	 */
	Map<String, List<Load.Result>> interleave(List<Supplier<Contender>> suppliers, boolean countWarmUp) {
		List<Contender> contenders = suppliers.stream().map(Supplier::get).toList();
		try {
			Map<String, List<Load.Result>> results = new LinkedHashMap<>();
			for (Contender contender : contenders) {
				// warm-up: connections, JIT
				Load.Result warmUp = Load.run(CALLERS, contender::call, Duration.ofSeconds(1));
				if (countWarmUp) {
					results.computeIfAbsent(contender.name(), (name) -> new ArrayList<>()).add(warmUp);
				}
			}
			for (int round = 0; round < this.rounds; round++) {
				for (Contender contender : contenders) {
					Load.Result result = Load.run(CALLERS, contender::call, this.window);
					results.computeIfAbsent(contender.name(), (name) -> new ArrayList<>()).add(result);
					System.out.printf(Locale.ROOT, "  round %d %-45s %,8.0f req/s, p99 %.2f ms, failed %d, %s%n",
							round + 1, contender.name(), result.throughput(), result.percentileMillis(0.99),
							result.failed(), result.perPod());
				}
			}
			return results;
		}
		finally {
			contenders.forEach(Contender::close);
		}
	}

	/** The table of how evenly each contender spread its requests over the pods. */
	void balanceTable(Map<String, List<Load.Result>> results, List<String> names) {
		line("| contender | per-pod share max/min (median of rounds) | pods that got nothing (worst round) |");
		line("| --- | ---: | ---: |");
		for (Map.Entry<String, List<Load.Result>> entry : results.entrySet()) {
			List<Double> ratios = entry.getValue().stream().map((result) -> result.maxOverMin(names)).toList();
			long idle = entry.getValue()
				.stream()
				.mapToLong((result) -> names.stream().filter((pod) -> !result.perPod().containsKey(pod)).count())
				.max()
				.orElse(0);
			line("| %s | %s | %d of %d |", entry.getKey(), ratio(median(ratios)), idle, names.size());
		}
	}

	static String ratio(double value) {
		return Double.isInfinite(value) ? "∞" : String.format(Locale.ROOT, "%.2f", value);
	}

	static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		int middle = sorted.size() / 2;
		return (sorted.size() % 2 == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
	}

	static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
