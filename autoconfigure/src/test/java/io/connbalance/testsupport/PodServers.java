package io.connbalance.testsupport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Pod servers on 127.0.0.2, 127.0.0.3, ... that share one port, like pods of a Deployment
 * that each have their own IP.
 *
 * @param <P> the kind of pod server
 */
public final class PodServers<P extends TestPod> implements AutoCloseable {

	private final List<P> servers = new ArrayList<>();

	private final TestPod.Starter<P> starter;

	private final int port;

	private PodServers(TestPod.Starter<P> starter, int port) {
		this.starter = starter;
		this.port = port;
	}

	/**
	 * Starts {@code count} HTTP servers named {@code pod-1}, {@code pod-2}, ... on
	 * 127.0.0.2 and up.
	 * @param count how many
	 * @return the servers
	 * @throws IOException if no common port could be bound
	 */
	public static PodServers<PodServer> start(int count) throws IOException {
		return start(count, PodServer::start);
	}

	/**
	 * Starts {@code count} gRPC servers named {@code pod-1}, {@code pod-2}, ... on
	 * 127.0.0.2 and up.
	 * @param count how many
	 * @return the servers
	 * @throws IOException if no common port could be bound
	 */
	public static PodServers<GrpcPodServer> startGrpc(int count) throws IOException {
		return start(count, GrpcPodServer::start);
	}

	/**
	 * Starts {@code count} servers named {@code pod-1}, {@code pod-2}, ... on 127.0.0.2
	 * and up.
	 * @param count how many
	 * @param starter starts one
	 * @return the servers
	 * @throws IOException if no common port could be bound
	 */
	public static <P extends TestPod> PodServers<P> start(int count, TestPod.Starter<P> starter) throws IOException {
		IOException lastFailure = null;
		for (int attempt = 0; attempt < 20; attempt++) {
			P first = starter.start("pod-1", "127.0.0.2", 0);
			PodServers<P> servers = new PodServers<>(starter, first.port());
			servers.servers.add(first);
			try {
				for (int i = 1; i < count; i++) {
					servers.add();
				}
				return servers;
			}
			catch (IOException ex) {
				// the port is taken on another address: try another one
				lastFailure = ex;
				servers.close();
			}
		}
		throw new IOException("No free common port on 127.0.0.2-" + (count + 1), lastFailure);
	}

	/**
	 * Starts one more server, on the next address.
	 * @return the new server
	 * @throws IOException if it cannot bind
	 */
	public P add() throws IOException {
		int index = this.servers.size() + 1;
		P server = this.starter.start("pod-" + index, "127.0.0." + (index + 1), this.port);
		this.servers.add(server);
		return server;
	}

	public P get(int index) {
		return this.servers.get(index);
	}

	public List<P> all() {
		return List.copyOf(this.servers);
	}

	public int port() {
		return this.port;
	}

	/** Requests each server answered, by pod name. */
	public Map<String, Long> served() {
		return this.servers.stream().collect(Collectors.toMap(TestPod::name, TestPod::served));
	}

	/** Requests served since a previous reading, by pod name. */
	public Map<String, Long> servedSince(Map<String, Long> before) {
		return this.servers.stream()
			.collect(Collectors.toMap(TestPod::name,
					(server) -> server.served() - before.getOrDefault(server.name(), 0L)));
	}

	public <T> List<T> map(Function<P, T> mapper) {
		return this.servers.stream().map(mapper).toList();
	}

	@Override
	public void close() {
		this.servers.forEach(TestPod::close);
	}

}
