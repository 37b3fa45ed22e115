package io.connbalance.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Real PostgreSQL servers standing in for database pods: server {@code i} listens on its
 * own address 127.0.0.{i+1} and its own port, which {@code select inet_server_port()}
 * reports. (Each also listens on 127.0.0.1, where the embedded launcher checks that it is
 * up.) {@code current_setting('cluster_name')} is the server's name, as in the demo's
 * StatefulSet.
 */
public final class PostgresPods implements AutoCloseable {

	private final List<Server> servers = new ArrayList<>();

	/**
	 * Starts servers named {@code pg-1}, {@code pg-2}, ... on 127.0.0.2 and up.
	 * @param count how many
	 * @return the servers
	 */
	public static PostgresPods start(int count) {
		PostgresPods pods = new PostgresPods();
		for (int i = 0; i < count; i++) {
			pods.add();
		}
		return pods;
	}

	/**
	 * Starts one more server, on the next address.
	 * @return it
	 */
	public Server add() {
		int index = this.servers.size() + 1;
		return add("pg-" + index, "127.0.0." + (index + 1));
	}

	/**
	 * Starts one more server.
	 * @param name its name
	 * @param host its own loopback address
	 * @return it
	 */
	public Server add(String name, String host) {
		try {
			EmbeddedPostgres postgres = EmbeddedPostgres.builder()
				.setPort(freePort())
				.setServerConfig("listen_addresses", "127.0.0.1," + host)
				.setServerConfig("max_connections", "50")
				.setServerConfig("cluster_name", name)
				.start();
			Server server = new Server(name, host, postgres);
			this.servers.add(server);
			return server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public Server get(int index) {
		return this.servers.get(index);
	}

	public List<Server> all() {
		return List.copyOf(this.servers);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	@Override
	public void close() {
		this.servers.forEach(Server::close);
	}

	/**
	 * One server.
	 */
	public static final class Server implements AutoCloseable {

		private final String name;

		private final String host;

		private final EmbeddedPostgres postgres;

		private volatile boolean stopped;

		Server(String name, String host, EmbeddedPostgres postgres) {
			this.name = name;
			this.host = host;
			this.postgres = postgres;
		}

		public String name() {
			return this.name;
		}

		public String host() {
			return this.host;
		}

		public int port() {
			return this.postgres.getPort();
		}

		/** Registers this server as an instance of a service. */
		public void register(MutableDiscoveryClient discovery, String serviceId) {
			discovery.add(serviceId, this.host, port(), Map.of("pod-name", this.name));
		}

		/** Stops the server now: its sessions end, running queries fail. */
		@Override
		public void close() {
			if (this.stopped) {
				return;
			}
			this.stopped = true;
			try {
				this.postgres.close();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	}

}
