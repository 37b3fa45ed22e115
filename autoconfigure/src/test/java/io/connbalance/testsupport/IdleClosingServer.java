package io.connbalance.testsupport;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A keep-alive HTTP/1.1 server that closes a connection once it has been idle for a
 * while, as Node.js (5 s), gunicorn (2 s), Tomcat and nginx do. It answers every request
 * with its pod name, or with the address it was reached on, so one server can stand in
 * for many pods: bound to the wildcard address, it answers on every 127.x.y.z, each a pod
 * of its own. Each response goes out in one write.
 */
public final class IdleClosingServer implements AutoCloseable {

	private final ServerSocket socket;

	private final Duration idleTimeout;

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private final Set<Socket> connections = ConcurrentHashMap.newKeySet();

	private final Map<String, AtomicLong> served = new ConcurrentHashMap<>();

	private final AtomicLong closedIdle = new AtomicLong();

	private final String name;

	private volatile boolean closed;

	private IdleClosingServer(InetSocketAddress address, Duration idleTimeout, String name) throws IOException {
		this.socket = new ServerSocket();
		this.socket.setReuseAddress(true);
		this.socket.bind(address, 500);
		this.idleTimeout = idleTimeout;
		this.name = name;
		this.executor.execute(this::accept);
	}

	/**
	 * Starts a server on every address of this machine (so on all of 127.0.0.0/8) and a
	 * free port.
	 * @param idleTimeout how long a connection may stay idle before the server closes it
	 * @return the running server
	 * @throws IOException if it cannot bind
	 */
	public static IdleClosingServer start(Duration idleTimeout) throws IOException {
		return new IdleClosingServer(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0), idleTimeout, null);
	}

	/**
	 * Starts a server for one pod, which answers with its name.
	 * @param name the pod name
	 * @param host its address
	 * @param idleTimeout how long a connection may stay idle before the server closes it
	 * @return the running server
	 * @throws IOException if it cannot bind
	 */
	public static IdleClosingServer start(String name, String host, Duration idleTimeout) throws IOException {
		return new IdleClosingServer(new InetSocketAddress(host, 0), idleTimeout, name);
	}

	public int port() {
		return this.socket.getLocalPort();
	}

	/**
	 * Registers pods {@code pod-1}, {@code pod-2}, ... of this server (bound to the
	 * wildcard address) on 127.0.0.2 and up, each an address of its own.
	 * @param discovery where to register them
	 * @param service the service id
	 * @param pods how many
	 * @return their addresses, in order
	 */
	public List<InetSocketAddress> register(MutableDiscoveryClient discovery, String service, int pods) {
		List<InetSocketAddress> addresses = new ArrayList<>();
		for (int i = 2; i < pods + 2; i++) {
			String host = "127.0." + (i / 256) + "." + (i % 256);
			addresses.add(new InetSocketAddress(host, port()));
			discovery.add(service, host, port(), Map.of("pod-name", "pod-" + (i - 1)));
		}
		return addresses;
	}

	/**
	 * Requests answered, by the address they were sent to.
	 * @return the counts
	 */
	public Map<String, Long> served() {
		Map<String, Long> counts = new TreeMap<>();
		this.served.forEach((address, count) -> counts.put(address, count.get()));
		return counts;
	}

	/**
	 * Connections the server closed because they were idle.
	 * @return the count
	 */
	public long closedIdle() {
		return this.closedIdle.get();
	}

	private void accept() {
		while (!this.closed) {
			try {
				Socket connection = this.socket.accept();
				connection.setTcpNoDelay(true);
				this.connections.add(connection);
				this.executor.execute(() -> serve(connection));
			}
			catch (IOException ex) {
				// closed
			}
		}
	}

	private void serve(Socket connection) {
		String address = connection.getLocalAddress().getHostAddress();
		try (connection) {
			connection.setSoTimeout((int) this.idleTimeout.toMillis());
			InputStream in = new BufferedInputStream(connection.getInputStream());
			OutputStream out = connection.getOutputStream();
			while (!this.closed) {
				int length;
				try {
					length = readHead(in);
				}
				catch (SocketTimeoutException ex) {
					// idle for too long: close, as servers do, without a word
					this.closedIdle.incrementAndGet();
					return;
				}
				if (length < 0) {
					return;
				}
				in.readNBytes(length);
				this.served.computeIfAbsent(address, (key) -> new AtomicLong()).incrementAndGet();
				String body = (this.name != null) ? this.name : address;
				// the whole response in one write: a pod that dies leaves no response
				// half
				// sent, which no client could send again
				out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
						+ "\r\n\r\n" + body)
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
			}
		}
		catch (IOException ex) {
			// the client went away
		}
		finally {
			this.connections.remove(connection);
		}
	}

	/**
	 * Reads a request's head and returns its body length, or -1 at the end of the stream.
	 */
	private static int readHead(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int length = 0;
		boolean first = true;
		while (true) {
			int next = in.read();
			if (next < 0) {
				return -1;
			}
			if (next == '\n') {
				String header = line.toString().trim();
				line.setLength(0);
				if (header.isEmpty()) {
					if (first) {
						continue;
					}
					return length;
				}
				first = false;
				if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
					length = Integer.parseInt(header.substring("content-length:".length()).trim());
				}
			}
			else {
				line.append((char) next);
			}
		}
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		this.socket.close();
		for (Socket connection : this.connections) {
			connection.close();
		}
		this.executor.shutdownNow();
	}

}
