package io.connbalance.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;

import static io.connbalance.bench.compare.Harness.median;
import static io.connbalance.bench.compare.Harness.ratio;

/**
 * Scenario 2, overhead: one pod, connbalance and an HAProxy hop against a direct
 * keep-alive client.
 */
final class Overhead implements Compare.Scenario {

	private final Harness harness;

	Overhead(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		this.harness.header("Overhead: 1 pod, against a direct keep-alive client");
		try (PodServers<PodServer> pods = this.harness.pods(1); HaProxy proxy = this.harness.haProxy(pods, 18100)) {
			PodServer pod = pods.get(0);
			List<Supplier<Contender>> contenders = new ArrayList<>();
			contenders.add(() -> Contender.plain("direct to the pod", "http://" + pod.host() + ":" + pod.port()));
			for (String strategy : List.of("least-request", "round-robin", "peak-ewma")) {
				contenders.add(() -> Contender.connbalance(strategy));
			}
			if (proxy != null) {
				contenders.add(() -> Contender.plain("HAProxy hop", proxy.url()));
			}
			Map<String, List<Load.Result>> results = this.harness.interleave(contenders);
			List<Load.Result> direct = results.values().iterator().next();
			this.harness
				.line("| contender | requests/s (median) | ratio to direct (median per round) | p50 ms | p99 ms |");
			this.harness.line("| --- | ---: | ---: | ---: | ---: |");
			for (Map.Entry<String, List<Load.Result>> entry : results.entrySet()) {
				List<Load.Result> own = entry.getValue();
				List<Double> ratios = new ArrayList<>();
				for (int round = 0; round < own.size(); round++) {
					ratios.add(own.get(round).throughput() / direct.get(round).throughput());
				}
				this.harness.line("| %s | %,.0f | %s | %.3f | %.3f |", entry.getKey(),
						median(own.stream().map(Load.Result::throughput).toList()), ratio(median(ratios)),
						median(own.stream().map((result) -> result.percentileMillis(0.50)).toList()),
						median(own.stream().map((result) -> result.percentileMillis(0.99)).toList()));
			}
		}
	}

}
