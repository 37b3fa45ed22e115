package io.connbalance.demo.postgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Local PostgreSQL servers standing in for the read replica pods of the demo: server
 * {@code pg-N} listens on {@code 127.0.0.(N+1)} and port {@code 5432+N}, so that each has
 * its own address as a pod would (the ports differ only because the embedded servers also
 * listen on 127.0.0.1, where the embedded library checks that they are up). Each server's
 * {@code cluster_name} is its pod name, which the demo's queries read back. Runs until it
 * is stopped; the data lives in temporary directories removed on exit.
 * <p>
 * Usage: {@code java -jar connbalance-demo-postgres.jar [count]} (3 by default).
 */
public final class PostgresReplicas {

	private PostgresReplicas() {
	}

	public static void main(String[] args) throws IOException, SQLException, InterruptedException {
		int count = (args.length > 0) ? Integer.parseInt(args[0]) : 3;
		List<EmbeddedPostgres> servers = new ArrayList<>();
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			for (EmbeddedPostgres server : servers) {
				try {
					server.close();
				}
				catch (IOException ex) {
					System.err.println("Could not stop a server: " + ex.getMessage());
				}
			}
			stopped.countDown();
		}));
		for (int n = 1; n <= count; n++) {
			String host = "127.0.0." + (n + 1);
			String name = "pg-" + n;
			EmbeddedPostgres server = EmbeddedPostgres.builder()
				.setPort(5432 + n)
				.setServerConfig("listen_addresses", "127.0.0.1," + host)
				.setServerConfig("cluster_name", name)
				.start();
			servers.add(server);
			try (Connection connection = server.getPostgresDatabase().getConnection();
					Statement statement = connection.createStatement()) {
				statement.execute("select 1");
			}
			System.out.println(name + " ready on " + host + ":" + server.getPort());
		}
		System.out.println("PostgreSQL replicas ready");
		stopped.await();
	}

}
