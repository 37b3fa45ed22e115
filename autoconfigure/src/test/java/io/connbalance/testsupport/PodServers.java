package io.connbalance.testsupport;

import java.io.IOException;
import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Pod servers on 127.0.0.2, 127.0.0.3, ... that share one port, like pods of a Deployment
 * that each have their own IP.
 */
public final class PodServers implements AutoCloseable {

	private final List<PodServer> servers = new ArrayList<>();

	private final int port;

	private PodServers(int port) {
		this.port = port;
	}

	/**
	 * Starts {@code count} servers named {@code pod-1}, {@code pod-2}, ... on 127.0.0.2
	 * and up.
	 * @param count how many
	 * @return the servers
	 * @throws IOException if no common port could be bound
	 */
	public static PodServers start(int count) throws IOException {
		for (int attempt = 0; attempt < 20; attempt++) {
			PodServer first = PodServer.start("pod-1", "127.0.0.2", 0);
			PodServers servers = new PodServers(first.port());
			servers.servers.add(first);
			try {
				for (int i = 1; i < count; i++) {
					servers.add();
				}
				return servers;
			}
			catch (BindException ex) {
				servers.close();
			}
		}
		throw new IOException("No free common port on 127.0.0.2-" + (count + 1));
	}

	/**
	 * Starts one more server, on the next address.
	 * @return the new server
	 * @throws IOException if it cannot bind
	 */
	public PodServer add() throws IOException {
		int index = this.servers.size() + 1;
		PodServer server = PodServer.start("pod-" + index, "127.0.0." + (index + 1), this.port);
		this.servers.add(server);
		return server;
	}

	public PodServer get(int index) {
		return this.servers.get(index);
	}

	public List<PodServer> all() {
		return List.copyOf(this.servers);
	}

	public int port() {
		return this.port;
	}

	/** Requests each server answered, by pod name. */
	public Map<String, Long> served() {
		return this.servers.stream().collect(Collectors.toMap(PodServer::name, PodServer::served));
	}

	/** Requests served since a previous reading, by pod name. */
	public Map<String, Long> servedSince(Map<String, Long> before) {
		return this.servers.stream()
			.collect(Collectors.toMap(PodServer::name,
					(server) -> server.served() - before.getOrDefault(server.name(), 0L)));
	}

	public <T> List<T> map(Function<PodServer, T> mapper) {
		return this.servers.stream().map(mapper).toList();
	}

	@Override
	public void close() {
		this.servers.forEach(PodServer::close);
	}

}
