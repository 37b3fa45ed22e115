package io.connbalance.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Pods served by a real nginx (one process, one {@code server} per pod on 127.0.0.2 and
 * up, on one port), each answering every request with
 * {@code <pod name>|<protocol>|<Host>|<connection number>}: HTTP/1.1 or HTTP/2 over TLS
 * (h2 by ALPN), or over plain TCP (HTTP/1.1, or h2c with prior knowledge). Certificates
 * come from a test CA made with openssl, for a name (such as {@code backend}, or another,
 * to play a pod whose certificate does not match) and the pod's address. nginx is
 * installed from the Debian packages when missing (as root).
 */
public final class NginxPods implements AutoCloseable {

	private final Path directory;

	private final Process process;

	private final int port;

	private final List<Pod> pods;

	private NginxPods(Path directory, Process process, int port, List<Pod> pods) {
		this.directory = directory;
		this.process = process;
		this.port = port;
		this.pods = pods;
	}

	/**
	 * Starts the pods.
	 * @param mode how they serve
	 * @param certificateNames per pod, the name its certificate is for (TLS modes)
	 * @return the running pods
	 * @throws IOException if nginx or openssl cannot run
	 */
	public static NginxPods start(Mode mode, String... certificateNames) throws IOException, InterruptedException {
		Path nginx = nginx();
		Path directory = Files.createTempDirectory("connbalance-nginx");
		TestCa ca = TestCa.create(directory);
		int port;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
			port = socket.getLocalPort();
		}
		List<Pod> pods = new ArrayList<>();
		StringBuilder servers = new StringBuilder();
		for (int i = 0; i < certificateNames.length; i++) {
			Pod pod = new Pod("pod-" + (i + 1), "127.0.0." + (i + 2), port);
			pods.add(pod);
			servers.append("server {\n  listen ").append(pod.host()).append(':').append(port).append(mode.listen);
			servers.append(";\n");
			if (mode != Mode.H2C && mode != Mode.HTTP) {
				// a certificate for backend also names the pod's address, for clients
				// that
				// call the pod directly; one for another name does not
				Path certificate = ca.issue(pod.name(), certificateNames[i],
						"backend".equals(certificateNames[i]) ? pod.host() : null);
				servers.append("  ssl_certificate ").append(certificate).append(";\n");
				servers.append("  ssl_certificate_key ").append(directory.resolve(pod.name() + ".key")).append(";\n");
			}
			servers.append("  location / { default_type text/plain; return 200 \"").append(pod.name());
			servers.append("|$server_protocol|$http_host|$connection\"; }\n}\n");
		}
		String config = """
				daemon off;
				master_process on;
				worker_processes 1;
				user root;
				pid %1$s/nginx.pid;
				error_log %1$s/error.log warn;
				events { worker_connections 1024; }
				http {
				  access_log off;
				  client_body_temp_path %1$s/body;
				  proxy_temp_path %1$s/proxy;
				  fastcgi_temp_path %1$s/fastcgi;
				  uwsgi_temp_path %1$s/uwsgi;
				  scgi_temp_path %1$s/scgi;
				  keepalive_requests 100000000;
				  %2$s
				}
				""".formatted(directory, servers);
		Path configFile = directory.resolve("nginx.conf");
		Files.writeString(configFile, config);
		Process process = new ProcessBuilder(nginx.toString(), "-c", configFile.toString(), "-p", directory.toString())
			.redirectErrorStream(true)
			.redirectOutput(directory.resolve("out.log").toFile())
			.start();
		NginxPods started = new NginxPods(directory, process, port, List.copyOf(pods));
		started.awaitListening();
		return started;
	}

	private void awaitListening() throws IOException, InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		for (Pod pod : this.pods) {
			while (true) {
				try (java.net.Socket socket = new java.net.Socket(pod.host(), this.port)) {
					break;
				}
				catch (IOException ex) {
					if (!this.process.isAlive() || System.nanoTime() - deadline > 0) {
						close();
						throw new IOException(
								"nginx did not start: " + Files.readString(this.directory.resolve("out.log")) + " "
										+ readQuietly(this.directory.resolve("error.log")),
								ex);
					}
					Thread.sleep(20);
				}
			}
		}
	}

	private static String readQuietly(Path file) {
		try {
			return Files.exists(file) ? Files.readString(file) : "";
		}
		catch (IOException ex) {
			return "";
		}
	}

	/** The nginx binary, installed from the Debian packages when missing. */
	private static synchronized Path nginx() throws IOException, InterruptedException {
		for (String candidate : List.of("/usr/sbin/nginx", "/usr/bin/nginx")) {
			if (Files.isExecutable(Path.of(candidate))) {
				return Path.of(candidate);
			}
		}
		Process install = new ProcessBuilder("sh", "-c",
				"apt-get install -y -q nginx-light || (apt-get update -q && apt-get install -y -q nginx-light)")
			.redirectErrorStream(true)
			.start();
		String output = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!install.waitFor(5, TimeUnit.MINUTES) || install.exitValue() != 0
				|| !Files.isExecutable(Path.of("/usr/sbin/nginx"))) {
			throw new IOException("nginx is not installed and apt-get could not install it (as root: apt-get install "
					+ "nginx-light): " + output);
		}
		return Path.of("/usr/sbin/nginx");
	}

	/** The port every pod listens on. */
	public int port() {
		return this.port;
	}

	public List<Pod> pods() {
		return this.pods;
	}

	/** The test CA's certificate, PEM: what clients trust. */
	public Path caCertificate() {
		return this.directory.resolve("ca.pem");
	}

	/** Adds every pod to discovery under the service id. */
	public void register(MutableDiscoveryClient discovery, String serviceId) {
		for (Pod pod : this.pods) {
			discovery.add(serviceId, pod.host(), this.port, java.util.Map.of("pod-name", pod.name()));
		}
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** How the pods serve. */
	public enum Mode {

		/** HTTP/1.1 over plain TCP. */
		HTTP(""),

		/** HTTP/1.1 over TLS. */
		HTTPS(" ssl"),

		/** HTTP/2 over TLS, by ALPN (HTTP/1.1 for clients that do not offer h2). */
		H2(" ssl http2"),

		/** HTTP/2 with prior knowledge over plain TCP. */
		H2C(" http2");

		private final String listen;

		Mode(String listen) {
			this.listen = listen;
		}

	}

	/**
	 * A pod: its name and address.
	 *
	 * @param name the name it answers with
	 * @param host its loopback address
	 * @param port its port
	 */
	public record Pod(String name, String host, int port) {

	}

}
