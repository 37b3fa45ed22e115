package io.connbalance.bench.compare;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Scenario 7, gRPC: unary calls of one client over 3 and 10 pods, and a scale-up.
 */
final class GrpcBalance implements Compare.Scenario {

	private final Harness harness;

	GrpcBalance(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		String naive = "one channel to the Service (kube-proxy)";
		for (int size : List.of(3, 10)) {
			this.harness.header("gRPC balance: 1 client, %d pods, unary calls".formatted(size));
			try (Fleet fleet = this.harness.grpcFleet(size)) {
				Map<String, List<Load.Result>> results = this.harness
					.interleave(List.of(() -> Contender.grpcChannel(naive, fleet.service()),
							() -> Contender.grpcConnbalance("least-request")));
				// a second connbalance application cannot serve connbalance:/// beside
				// the first
				results.putAll(this.harness.interleave(List.of(() -> Contender.grpcConnbalance("round-robin"))));
				this.harness.balanceTable(results, fleet.names());
			}
		}
		ScaleUp.run(this.harness, "gRPC scale-up: 3 -> 4 pods under load", this.harness::grpcFleet,
				Duration.ofSeconds(20), List.of((fleet) -> Contender.grpcConnbalance("least-request"),
						(fleet) -> Contender.grpcChannel(naive, fleet.service())),
				"compare-grpc-scale-up.svg");
	}

}
