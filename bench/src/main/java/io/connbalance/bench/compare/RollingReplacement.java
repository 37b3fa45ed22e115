package io.connbalance.bench.compare;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;

import static io.connbalance.bench.compare.Harness.sleep;

/**
 * Scenario 4, rolling replacement: each of 3 pods in turn is replaced by a new one under
 * load; failed requests of all sent.
 */
final class RollingReplacement implements Compare.Scenario {

	private final Harness harness;

	RollingReplacement(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		this.harness.header("Rolling replacement of all 3 pods under load");
		this.harness.line("One pod at a time: a new pod starts and joins discovery, 2 s later the old pod leaves "
				+ "discovery, 3 s after that (as after a preStop hook) it stops. kube-proxy's rules follow discovery, "
				+ "and HAProxy is reloaded with it. Failed requests of all sent:");
		this.harness.line("");
		this.harness.line("| contender | requests | failed |");
		this.harness.line("| --- | ---: | ---: |");
		List<Function<Fleet, Contender>> contenders = this.harness
			.withHaProxy(List.of((fleet) -> Contender.connbalance("least-request"),
					(fleet) -> Contender.connbalance("round-robin"), (fleet) -> Contender.springCloudLoadBalancer(),
					(fleet) -> Contender.plain("kube-proxy", fleet.service())), 18500);
		for (Function<Fleet, Contender> factory : contenders) {
			try (PodServers<PodServer> pods = this.harness.pods(3);
					Fleet fleet = Fleet.of(this.harness.kubeProxy(), pods, null);
					Contender contender = factory.apply(fleet)) {
				try (Load load = new Load(Harness.CALLERS, contender::call, Duration.ofMillis(250),
						Duration.ofSeconds(60))) {
					sleep(Duration.ofSeconds(1));
					for (int i = 0; i < 3; i++) {
						PodServer old = pods.get(i);
						fleet.add();
						sleep(Duration.ofSeconds(2));
						fleet.remove(old.host());
						sleep(Duration.ofSeconds(3));
						old.close();
					}
					sleep(Duration.ofSeconds(1));
					load.close();
					Load.Result result = load.result();
					this.harness.line("| %s | %,d | %,d |", contender.name(), result.answered() + result.failed(),
							result.failed());
				}
			}
		}
	}

}
