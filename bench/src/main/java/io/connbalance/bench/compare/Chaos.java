package io.connbalance.bench.compare;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import io.connbalance.testsupport.FaultLoad;
import io.connbalance.testsupport.FaultLoad.Call;
import io.connbalance.testsupport.IdleClosingServer;
import io.connbalance.testsupport.PodProcess;

/**
 * Scenario 8, chaos: one of three pods, each a process of its own, hangs
 * ({@code kill -STOP}), crashes ({@code kill -9}) or drops every packet (an iptables DROP
 * rule, in the harness's own network namespace), under four callers that wait at most 1 s
 * for an answer; then pods whose server closes connections idle for a second, called
 * every 100 ms. Each contender meets each fault on fresh pods.
 */
final class Chaos implements Compare.Scenario {

	private static final int CALLERS = 4;

	private static final Duration WARM_UP = Duration.ofSeconds(3);

	private static final Duration BEFORE = Duration.ofSeconds(3);

	private static final Duration AFTER = Duration.ofSeconds(10);

	/** From when after the fault a contender should have settled. */
	private static final Duration SETTLED = Duration.ofSeconds(3);

	private static final String TIMEOUT = "1s";

	private final Harness harness;

	private final KubeProxy kubeProxy;

	Chaos(Harness harness) {
		this.harness = harness;
		this.kubeProxy = harness.kubeProxy();
	}

	@Override
	public void run() throws Exception {
		this.harness
			.header("Chaos: one of 3 pods hangs, crashes or drops packets; servers that close idle " + "connections");
		this.harness.line("Each pod is a process of its own on 127.0.0.2-4. %d callers send GETs without pause for "
				+ "%d s (after %d s of warm-up), then one pod fails and they go on for %d s. Every contender waits at most %s for an answer: "
				+ "connbalance through `connbalance.defaults.read-timeout` and its connect timeout (1 s), the others "
				+ "through `timeout(%s)` on the WebClient call. \"After\" is from %d s after the fault. Targets: hang "
				+ "at most 10 failed, p99 after at most 3x before, the hung pod's share at most 1%%; crash 0 failed; "
				+ "blackhole at most 10 failed, none slower than 3 s, rate after at least 0.8x before.", CALLERS,
				BEFORE.toSeconds(), WARM_UP.toSeconds(), AFTER.toSeconds(), TIMEOUT, TIMEOUT, SETTLED.toSeconds());
		this.harness.line("");
		this.harness.line("| fault | contender | requests | failed | failed after | slowest | p99 before | "
				+ "p99 after | p99 ratio | rate after / before |");
		this.harness.line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
		Map<String, Fault> faults = new LinkedHashMap<>();
		faults.put("hang (kill -STOP)", new Fault(PodProcess::freeze, PodProcess::thaw));
		faults.put("crash (kill -9)", new Fault(PodProcess::kill, (pod) -> {
		}));
		if (this.kubeProxy.isIptables()) {
			faults.put("blackhole (packets dropped)",
					new Fault((pod) -> dropPackets(pod, "-A"), (pod) -> dropPackets(pod, "-D")));
		}
		for (Map.Entry<String, Fault> fault : faults.entrySet()) {
			for (Function<String, Contender> contender : contenders()) {
				measure(fault.getKey(), fault.getValue(), contender);
			}
		}
		if (!this.kubeProxy.isIptables()) {
			this.harness.line("");
			this.harness.line("The blackhole needs iptables in the harness's own network namespace: run "
					+ "bench/compare.sh as root.");
		}
		idleClose();
	}

	/** The contenders, each given the URL of the Service (kube-proxy). */
	private static List<Function<String, Contender>> contenders() {
		String timeout = "bench.timeout=" + TIMEOUT;
		return List.of(
				(service) -> Contender.connbalance("least-request", "connbalance.defaults.read-timeout=" + TIMEOUT),
				(service) -> Contender.springCloudLoadBalancer(timeout),
				(service) -> Contender.plain("kube-proxy", service, timeout));
	}

	private void measure(String name, Fault fault, Function<String, Contender> factory) throws Exception {
		List<PodProcess> pods = new ArrayList<>();
		Contender contender = null;
		boolean faulted = false;
		try {
			List<InetSocketAddress> addresses = new ArrayList<>();
			Contender.DISCOVERY.clear("backend");
			for (int i = 1; i <= 3; i++) {
				PodProcess pod = PodProcess.start("pod-" + i, "127.0.0." + (i + 1));
				pods.add(pod);
				addresses.add(new InetSocketAddress(pod.host(), pod.port()));
				Contender.DISCOVERY.add("backend", pod.host(), pod.port(), Map.of("pod-name", pod.name()));
			}
			contender = factory.apply(this.kubeProxy.route(addresses));
			Contender calling = contender;
			// warmed up under the same load, so that "before" is the steady state
			FaultLoad.run(CALLERS, () -> calling.call(0), WARM_UP, () -> {
			}, Duration.ZERO);
			PodProcess failing = pods.get(1);
			List<Call> calls = FaultLoad.run(CALLERS, () -> calling.call(0), BEFORE, () -> fault.apply(failing), AFTER);
			fault.heal(failing);
			report(name, contender.name(), calls);
		}
		finally {
			if (contender != null) {
				contender.close();
			}
			pods.forEach(PodProcess::close);
		}
	}

	private void report(String fault, String contender, List<Call> calls) {
		List<Call> before = FaultLoad.between(calls, BEFORE.negated(), Duration.ZERO);
		List<Call> after = FaultLoad.between(calls, SETTLED, AFTER);
		Duration p99Before = FaultLoad.p99(before);
		Duration p99After = FaultLoad.p99(after);
		long slowest = calls.stream().mapToLong(Call::nanos).max().orElse(0);
		double rateBefore = before.size() / (double) BEFORE.toSeconds();
		double rateAfter = after.size() / (double) (AFTER.toSeconds() - SETTLED.toSeconds());
		this.harness.line("| %s | %s | %,d | %,d | %,d | %.0f ms | %.1f ms | %.1f ms | %.2f | %.2f |", fault, contender,
				calls.size(), FaultLoad.failed(calls), FaultLoad.failed(after), slowest / 1e6,
				p99Before.toNanos() / 1e6, p99After.toNanos() / 1e6,
				(double) p99After.toNanos() / Math.max(1, p99Before.toNanos()), rateAfter / Math.max(1, rateBefore));
	}

	/**
	 * Servers that close connections idle for 1 s, and one caller that sends a GET every
	 * 100 ms over 10 and over 500 pods: each pod sees a request about as often as its
	 * server closes the connection, or far more rarely.
	 */
	private void idleClose() throws Exception {
		this.harness.line("");
		this.harness.line("Connections the servers close while idle: pods whose server closes a connection idle for "
				+ "1 s, one caller sending a GET every 100 ms, 200 requests. Target: 0 failed.");
		this.harness.line("");
		this.harness.line("| pods | contender | failed of 200 | connections the servers closed while idle |");
		this.harness.line("| ---: | --- | ---: | ---: |");
		for (int size : List.of(10, 500)) {
			for (Function<String, Contender> factory : contenders()) {
				try (IdleClosingServer server = IdleClosingServer.start(Duration.ofSeconds(1))) {
					Contender.DISCOVERY.clear("backend");
					List<InetSocketAddress> addresses = server.register(Contender.DISCOVERY, "backend", size);
					try (Contender contender = factory.apply(this.kubeProxy.route(addresses))) {
						long closedBefore = server.closedIdle();
						int failed = 0;
						long next = System.nanoTime();
						for (int i = 0; i < 200; i++) {
							try {
								contender.call(i);
							}
							catch (RuntimeException ex) {
								failed++;
							}
							next += 100_000_000L;
							Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
						}
						this.harness.line("| %d | %s | %d | %d |", size, contender.name(), failed,
								server.closedIdle() - closedBefore);
					}
				}
			}
		}
	}

	private static void dropPackets(PodProcess pod, String action) {
		try {
			KubeProxy.iptables(action, "OUTPUT", "-d", pod.host() + "/32", "-j", "DROP");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A fault of a pod, and its repair before the pods are stopped.
	 */
	private record Fault(Consumer<PodProcess> apply, Consumer<PodProcess> heal) {

		void apply(PodProcess pod) {
			this.apply.accept(pod);
		}

		void heal(PodProcess pod) {
			this.heal.accept(pod);
		}

	}

}
