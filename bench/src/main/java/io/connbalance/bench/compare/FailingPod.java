package io.connbalance.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;

/**
 * Scenario 5, a failing pod: 1 of 5 pods answers 503, or refuses connections; every
 * request counts, from the first.
 */
final class FailingPod implements Compare.Scenario {

	private final Harness harness;

	FailingPod(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		failingPod("answers 503", (pod) -> pod.failWith(503));
		failingPod("refuses connections", PodServer::close);
	}

	private void failingPod(String how, Consumer<PodServer> breakIt) throws Exception {
		this.harness.header("A failing pod: 1 of 5 pods " + how + " (GET, idempotent)");
		// both proxies get the 5 pods before one breaks, as they would in a cluster
		try (PodServers<PodServer> pods = this.harness.pods(5);
				HaProxy proxy = this.harness.haProxy(pods, 18300 + how.length())) {
			String service = this.harness.kubeProxy().route(Harness.addresses(pods));
			breakIt.accept(pods.get(4));
			List<Supplier<Contender>> contenders = new ArrayList<>();
			contenders.add(() -> Contender.connbalance("least-request"));
			contenders.add(() -> Contender.connbalance("peak-ewma"));
			contenders.add(() -> Contender.named("connbalance round-robin, no ejection, no retry", "round-robin",
					"connbalance.defaults.retries=0", "connbalance.defaults.outlier-ejection.consecutive-failures=0"));
			contenders.add(Contender::springCloudLoadBalancer);
			if (proxy != null) {
				contenders.add(() -> Contender.plain("HAProxy leastconn", proxy.url()));
			}
			contenders.add(() -> Contender.plain("kube-proxy", service));
			Map<String, List<Load.Result>> results = this.harness.interleave(contenders, true);
			this.harness.line("Every request counts, from the first (warm-up included):");
			this.harness.line("");
			this.harness.line("| contender | requests | failed | error rate |");
			this.harness.line("| --- | ---: | ---: | ---: |");
			for (Map.Entry<String, List<Load.Result>> entry : results.entrySet()) {
				long answered = entry.getValue().stream().mapToLong(Load.Result::answered).sum();
				long failed = entry.getValue().stream().mapToLong(Load.Result::failed).sum();
				this.harness.line("| %s | %,d | %,d | %.4f%% |", entry.getKey(), answered + failed, failed,
						100.0 * failed / Math.max(1, answered + failed));
			}
		}
	}

}
