package io.connbalance.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;

/**
 * Scenario 1, balance: one client over keep-alive connections to 3 and to 10 pods.
 */
final class Balance implements Compare.Scenario {

	private final Harness harness;

	Balance(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		balance(3);
		balance(10);
	}

	private void balance(int size) throws Exception {
		this.harness.header("Balance: 1 client, %d pods, keep-alive".formatted(size));
		try (PodServers<PodServer> pods = this.harness.pods(size);
				HaProxy proxy = this.harness.haProxy(pods, 18000 + size)) {
			List<String> names = pods.map(PodServer::name);
			String service = this.harness.kubeProxy().route(Harness.addresses(pods));
			List<Supplier<Contender>> contenders = new ArrayList<>();
			contenders.add(() -> Contender.plain("kube-proxy", service));
			contenders.add(Contender::springCloudLoadBalancer);
			if (proxy != null) {
				contenders.add(() -> Contender.plain("HAProxy leastconn", proxy.url()));
			}
			for (String strategy : List.of("round-robin", "least-request", "peak-ewma")) {
				contenders.add(() -> Contender.connbalance(strategy));
			}
			this.harness.balanceTable(this.harness.interleave(contenders), names);
		}
	}

}
