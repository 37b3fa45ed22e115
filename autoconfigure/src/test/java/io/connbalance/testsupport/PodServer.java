package io.connbalance.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server standing in for one pod: it listens on its own loopback address,
 * answers {@code /whoami} with its name, {@code /slow?ms=N} after a delay,
 * {@code /header/<name>} with its name and the value of that request header ({@code -}
 * when absent), {@code /bytes?n=N} with N bytes, and counts what it served.
 */
public final class PodServer implements TestPod {

	static {
		// Without it the server's separate header and body writes meet delayed ACKs: 40
		// ms a request.
		System.setProperty("sun.net.httpserver.nodelay", "true");
	}

	private final String name;

	private final HttpServer server;

	private final ExecutorService executor;

	private final AtomicLong served = new AtomicLong();

	private final AtomicInteger active = new AtomicInteger();

	private volatile int failWith;

	private volatile boolean breakConnections;

	private volatile long delayMillis;

	private volatile boolean closed;

	private PodServer(String name, String host, int port, int workers, Duration serviceTime) throws IOException {
		this.name = name;
		this.executor = (workers > 0) ? Executors.newFixedThreadPool(workers) : Executors.newCachedThreadPool();
		this.delayMillis = serviceTime.toMillis();
		this.server = HttpServer.create(new InetSocketAddress(host, port), 200);
		this.server.createContext("/", this::handle);
		this.server.setExecutor(this.executor);
		this.server.start();
	}

	/**
	 * Starts a pod server.
	 * @param name the pod name it answers with
	 * @param host its loopback address, such as {@code 127.0.0.2}
	 * @param port the port (0 for any)
	 * @return the running server
	 * @throws IOException if it cannot bind
	 */
	public static PodServer start(String name, String host, int port) throws IOException {
		return new PodServer(name, host, port, 0, Duration.ZERO);
	}

	/**
	 * Starts pods whose capacity is their own: a fixed number of workers, each taking a
	 * fixed time (waiting, not computing) per request, so that a pod serves at most
	 * {@code workers / serviceTime} requests a second whatever the machine's cores, and
	 * requests beyond its workers wait in its queue.
	 * @param workers the requests a pod serves at once
	 * @param serviceTime the time each takes
	 * @return what starts one
	 */
	public static TestPod.Starter<PodServer> withCapacity(int workers, Duration serviceTime) {
		return (name, host, port) -> new PodServer(name, host, port, workers, serviceTime);
	}

	private void handle(HttpExchange exchange) throws IOException {
		this.active.incrementAndGet();
		try {
			exchange.getRequestBody().readAllBytes();
			if (this.breakConnections) {
				// closing the exchange before any response closes its connection
				this.served.incrementAndGet();
				return;
			}
			if (this.failWith != 0) {
				this.served.incrementAndGet();
				exchange.sendResponseHeaders(this.failWith, -1);
				return;
			}
			long delay = this.delayMillis;
			if (delay > 0) {
				Thread.sleep(delay);
			}
			String query = exchange.getRequestURI().getQuery();
			if (exchange.getRequestURI().getPath().startsWith("/slow") && query != null && query.startsWith("ms=")) {
				Thread.sleep(Long.parseLong(query.substring(3)));
			}
			this.served.incrementAndGet();
			byte[] body = body(exchange, query);
			exchange.getResponseHeaders().add("Content-Type", "text/plain");
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			exchange.sendResponseHeaders(503, -1);
		}
		finally {
			this.active.decrementAndGet();
			exchange.close();
		}
	}

	private byte[] body(HttpExchange exchange, String query) {
		String path = exchange.getRequestURI().getPath();
		if (path.startsWith("/header/")) {
			String value = exchange.getRequestHeaders().getFirst(path.substring("/header/".length()));
			return (this.name + " " + ((value != null) ? value : "-")).getBytes(StandardCharsets.UTF_8);
		}
		if (path.startsWith("/bytes") && query != null && query.startsWith("n=")) {
			byte[] bytes = new byte[Integer.parseInt(query.substring(2))];
			java.util.Arrays.fill(bytes, (byte) 'x');
			return bytes;
		}
		return this.name.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Answers every request from now on after a delay, like a slow pod.
	 * @param delay the delay; zero to answer at once
	 */
	public void delay(Duration delay) {
		this.delayMillis = delay.toMillis();
	}

	/**
	 * Answers every request from now on with a status, as a failing pod does.
	 * @param status the status, such as 503; 0 to answer normally again
	 */
	public void failWith(int status) {
		this.failWith = status;
	}

	/**
	 * Reads every request from now on and closes its connection without a response.
	 * @param breakConnections whether to do so
	 */
	public void breakConnections(boolean breakConnections) {
		this.breakConnections = breakConnections;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String host() {
		return this.server.getAddress().getHostString();
	}

	@Override
	public int port() {
		return this.server.getAddress().getPort();
	}

	@Override
	public long served() {
		return this.served.get();
	}

	@Override
	public int active() {
		return this.active.get();
	}

	/**
	 * Whether it still listens.
	 * @return {@code false} once closed
	 */
	public boolean isRunning() {
		return !this.closed;
	}

	@Override
	public void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		this.server.stop(0);
		this.executor.shutdownNow();
	}

}
