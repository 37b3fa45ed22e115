package io.connbalance.demo.frontend;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * What kube-proxy does for a ClusterIP Service, in-process for local runs: each new TCP
 * connection goes to one backend chosen at random among the current ones, and stays
 * there. Listens on 127.0.0.1 and a free port.
 */
final class RandomForwarder implements AutoCloseable {

	private final ServerSocket serverSocket;

	private final Supplier<List<InetSocketAddress>> backends;

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "naive-forwarder");
		thread.setDaemon(true);
		return thread;
	});

	RandomForwarder(Supplier<List<InetSocketAddress>> backends) throws IOException {
		this.backends = backends;
		this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.executor.execute(this::accept);
	}

	int port() {
		return this.serverSocket.getLocalPort();
	}

	private void accept() {
		while (!this.serverSocket.isClosed()) {
			try {
				Socket client = this.serverSocket.accept();
				List<InetSocketAddress> current = this.backends.get();
				if (current.isEmpty()) {
					client.close();
					continue;
				}
				InetSocketAddress backend = current.get(ThreadLocalRandom.current().nextInt(current.size()));
				Socket upstream = new Socket(backend.getAddress(), backend.getPort());
				client.setTcpNoDelay(true);
				upstream.setTcpNoDelay(true);
				this.executor.execute(() -> pipe(client, upstream));
				this.executor.execute(() -> pipe(upstream, client));
			}
			catch (IOException ex) {
				// closed, or the backend refused: the client sees its connection drop
			}
		}
	}

	private static void pipe(Socket from, Socket to) {
		try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
			in.transferTo(out);
		}
		catch (IOException ex) {
			// connection closed
		}
		finally {
			closeQuietly(from);
			closeQuietly(to);
		}
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// already closed
		}
	}

	@Override
	public void close() throws IOException {
		this.serverSocket.close();
		this.executor.shutdownNow();
	}

}
