package io.connbalance.bench.compare;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Scenario 7, JDBC: one query per borrow over 3 and 10 PostgreSQL servers, and a
 * scale-up, against pgjdbc's own host list and one pool to the Service.
 */
final class JdbcBalance implements Compare.Scenario {

	private final Harness harness;

	JdbcBalance(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		List<Function<Fleet, Contender>> contenders = List.of((fleet) -> Contender.jdbcConnbalance(),
				(fleet) -> Contender.jdbcPool("pgjdbc loadBalanceHosts=true, one HikariCP pool",
						fleet.addresses()
							.stream()
							.map((address) -> address.getHostString() + ":" + address.getPort())
							.collect(Collectors.joining(",", "jdbc:postgresql://", "/postgres?loadBalanceHosts=true")),
						Harness.POOL_SIZE_PER_POD * fleet.names().size()),
				(fleet) -> {
					URI service = URI.create(fleet.service());
					return Contender.jdbcPool("one HikariCP pool to the Service (kube-proxy)",
							"jdbc:postgresql://" + service.getHost() + ":" + service.getPort() + "/postgres",
							Harness.POOL_SIZE_PER_POD * fleet.names().size());
				});
		for (int size : List.of(3, 10)) {
			this.harness.header("JDBC balance: 1 client, %d PostgreSQL pods, one query per borrow".formatted(size));
			try (Fleet fleet = this.harness.postgresFleet(size)) {
				this.harness.balanceTable(this.harness.interleave(contenders.stream()
					.map((factory) -> (Supplier<Contender>) () -> factory.apply(fleet))
					.toList()), fleet.names());
			}
		}
		ScaleUp.run(this.harness, "JDBC scale-up: 3 -> 4 PostgreSQL pods under load", this.harness::postgresFleet,
				Duration.ofSeconds(20), contenders, "compare-jdbc-scale-up.svg");
	}

}
