package io.connbalance.bench.compare;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An L7 proxy hop: HAProxy with {@code balance leastconn}, keep-alive to the client and
 * to the pods, in front of the pods.
 */
final class HaProxy implements AutoCloseable {

	private volatile Process process;

	private final int port;

	private HaProxy(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/**
	 * Whether the {@code haproxy} command is installed.
	 * @return {@code true} if it runs
	 */
	static boolean available() {
		try {
			Process process = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
			process.getInputStream().readAllBytes();
			return process.waitFor() == 0;
		}
		catch (IOException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Starts HAProxy on 127.0.0.1 in front of the given pods.
	 * @param backends the pods
	 * @param port its port
	 * @return the running proxy
	 * @throws IOException when it does not start
	 */
	static HaProxy start(List<InetSocketAddress> backends, int port) throws IOException {
		Process process = launch(config(backends, port));
		HaProxy proxy = new HaProxy(process, port);
		long deadline = System.nanoTime() + 5_000_000_000L;
		while (System.nanoTime() < deadline) {
			try (Socket socket = new Socket("127.0.0.1", port)) {
				return proxy;
			}
			catch (IOException ex) {
				if (!process.isAlive()) {
					break;
				}
				sleep(50);
			}
		}
		proxy.close();
		throw new IOException("haproxy did not start on 127.0.0.1:" + port);
	}

	/**
	 * Points the proxy at other backends the way HAProxy is reloaded: a new process binds
	 * the same port and tells the old one to finish its connections and leave
	 * ({@code -sf}).
	 * @param backends the pods now
	 * @throws IOException when the new process does not start
	 */
	synchronized void reload(List<InetSocketAddress> backends) throws IOException {
		Process old = this.process;
		Process fresh = launch(config(backends, this.port), "-sf", String.valueOf(old.pid()));
		this.process = fresh;
		try {
			// the old process leaves once its last connection has closed
			if (!old.waitFor(5, TimeUnit.SECONDS)) {
				old.destroy();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (!fresh.isAlive()) {
			throw new IOException("haproxy did not take over on 127.0.0.1:" + this.port);
		}
	}

	private static Process launch(Path config, String... more) throws IOException {
		List<String> command = new ArrayList<>(List.of("haproxy", "-db", "-f", config.toString()));
		command.addAll(List.of(more));
		return new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.start();
	}

	private static Path config(List<InetSocketAddress> backends, int port) throws IOException {
		StringBuilder config = new StringBuilder("""
				global
				    maxconn 4096
				defaults
				    mode http
				    timeout connect 2s
				    timeout client 60s
				    timeout server 60s
				    option http-keep-alive
				    http-reuse always
				frontend service
				    bind 127.0.0.1:%d
				    default_backend pods
				backend pods
				    balance leastconn
				""".formatted(port));
		for (int i = 0; i < backends.size(); i++) {
			config.append("    server pod-")
				.append(i + 1)
				.append(' ')
				.append(backends.get(i).getHostString())
				.append(':')
				.append(backends.get(i).getPort())
				.append('\n');
		}
		Path file = Files.createTempFile("connbalance-haproxy", ".cfg");
		Files.writeString(file, config);
		file.toFile().deleteOnExit();
		return file;
	}

	String url() {
		return "http://127.0.0.1:" + this.port;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public synchronized void close() {
		this.process.destroy();
		try {
			this.process.waitFor();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
