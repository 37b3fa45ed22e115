package io.connbalance.testsupport;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import java.nio.file.Path;

import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;

/**
 * A real WebSocket server (Reactor Netty) standing in for one pod: {@code /echo} answers
 * each text message with {@code <pod>:<message>}, and the pod counts its open sessions.
 */
public final class WebSocketPod implements TestPod {

	private final String name;

	private final DisposableServer server;

	private final AtomicInteger sessions = new AtomicInteger();

	private final AtomicLong served = new AtomicLong();

	private final Queue<Connection> connections = new ConcurrentLinkedQueue<>();

	private volatile int refusal;

	private WebSocketPod(String name, String host, int port, Path certificate, Path key) {
		this.name = name;
		HttpServer server = HttpServer.create().host(host).port(port);
		if (certificate != null) {
			server = server
				.secure((spec) -> spec.sslContext(Http11SslContextSpec.forServer(certificate.toFile(), key.toFile())));
		}
		this.server = server.doOnConnection(this.connections::add)
			.route((routes) -> routes.get("/echo", (request, response) -> {
				int refusal = this.refusal;
				if (refusal != 0) {
					return response.status(refusal).send();
				}
				return response.sendWebsocket((in, out) -> {
					this.sessions.incrementAndGet();
					return out.sendString(in.receive().asString().map((message) -> {
						this.served.incrementAndGet();
						return name + ":" + message;
					})).then().doFinally((signal) -> this.sessions.decrementAndGet());
				});
			}))
			.bindNow();
	}

	/**
	 * Starts a pod.
	 * @param name its name
	 * @param host its loopback address
	 * @param port the port, 0 for any
	 * @return the pod
	 * @throws IOException never; for {@link TestPod.Starter}
	 */
	public static WebSocketPod start(String name, String host, int port) throws IOException {
		return new WebSocketPod(name, host, port, null, null);
	}

	/**
	 * Starts pods that speak TLS ({@code wss}) with a certificate.
	 * @param certificate the certificate (PEM)
	 * @param key its key (PEM), {@code <certificate>.key} for {@link TestCa#issue}
	 * @return what starts one
	 */
	public static TestPod.Starter<WebSocketPod> secure(Path certificate, Path key) {
		return (name, host, port) -> new WebSocketPod(name, host, port, certificate, key);
	}

	/**
	 * The sessions open now.
	 * @return the count
	 */
	public int sessions() {
		return this.sessions.get();
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String host() {
		return this.server.host();
	}

	@Override
	public int port() {
		return this.server.port();
	}

	@Override
	public long served() {
		return this.served.get();
	}

	@Override
	public int active() {
		return this.sessions.get();
	}

	/**
	 * Answers every upgrade from now on with a status instead of a session.
	 * @param status the status, such as 503; 0 to accept sessions again
	 */
	public void refuse(int status) {
		this.refusal = status;
	}

	/**
	 * Dies as a killed process does: its connections close without a WebSocket close
	 * frame, and its address refuses new ones.
	 */
	public void kill() {
		this.server.disposeNow();
		this.connections.forEach(Connection::dispose);
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
