package io.connbalance.bench.compare;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;

import static io.connbalance.bench.compare.Harness.median;
import static io.connbalance.bench.compare.Harness.ratio;

/**
 * Scenario 5, a slow pod: 1 of 5 pods answers 10x slower, with the CPU idle and
 * saturated; p99 latency against round-robin's.
 */
final class SlowPod implements Compare.Scenario {

	private final Harness harness;

	SlowPod(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		slowPod(Duration.ofMillis(10), "");
		slowPod(Duration.ofMillis(2), ", CPU saturated");
	}

	private void slowPod(Duration fast, String note) throws Exception {
		Duration slow = fast.multipliedBy(10);
		this.harness.header("A slow pod: 1 of 5 pods 10x slower (%d ms vs %d ms%s)".formatted(fast.toMillis(),
				slow.toMillis(), note));
		try (PodServers<PodServer> pods = this.harness.pods(5);
				HaProxy proxy = this.harness.haProxy(pods, 18200 + (int) fast.toMillis())) {
			pods.all().forEach((pod) -> pod.delay(fast));
			pods.get(4).delay(slow);
			String service = this.harness.kubeProxy().route(Harness.addresses(pods));
			List<Supplier<Contender>> contenders = new ArrayList<>();
			for (String strategy : List.of("round-robin", "least-request", "peak-ewma")) {
				contenders.add(() -> Contender.connbalance(strategy));
			}
			contenders.add(Contender::springCloudLoadBalancer);
			if (proxy != null) {
				contenders.add(() -> Contender.plain("HAProxy leastconn", proxy.url()));
			}
			contenders.add(() -> Contender.plain("kube-proxy", service));
			Map<String, List<Load.Result>> results = this.harness.interleave(contenders);
			List<Load.Result> roundRobin = results.get("connbalance round-robin");
			this.harness.line("| contender | p50 ms | p99 ms | p99 / round-robin's (median per round) | requests/s | "
					+ "slow pod's share |");
			this.harness.line("| --- | ---: | ---: | ---: | ---: | ---: |");
			Map<String, Double> bars = new LinkedHashMap<>();
			for (Map.Entry<String, List<Load.Result>> entry : results.entrySet()) {
				List<Load.Result> own = entry.getValue();
				List<Double> ratios = new ArrayList<>();
				for (int round = 0; round < own.size(); round++) {
					ratios.add(own.get(round).percentileMillis(0.99) / roundRobin.get(round).percentileMillis(0.99));
				}
				double p99 = median(own.stream().map((result) -> result.percentileMillis(0.99)).toList());
				bars.put(entry.getKey(), p99);
				this.harness.line("| %s | %.2f | %.2f | %s | %,.0f | %.3f |", entry.getKey(),
						median(own.stream().map((result) -> result.percentileMillis(0.50)).toList()), p99,
						ratio(median(ratios)), median(own.stream().map(Load.Result::throughput).toList()),
						median(own.stream()
							.map((result) -> (double) result.perPod().getOrDefault("pod-5", 0L) / result.answered())
							.toList()));
			}
			this.harness.chart("compare-slow-pod-%dms.svg".formatted(fast.toMillis()), Svg.bars(
					"A slow pod (1 of 5, %d ms vs %d ms): p99 latency".formatted(fast.toMillis(), slow.toMillis()),
					"ms", bars));
		}
	}

}
