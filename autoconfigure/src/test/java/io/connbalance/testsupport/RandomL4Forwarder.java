package io.connbalance.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What kube-proxy does for a ClusterIP Service, in user space: each new TCP connection to
 * the virtual address is forwarded to one backend picked at random, for the connection's
 * whole life.
 */
public final class RandomL4Forwarder implements AutoCloseable {

	private volatile ServerSocket serverSocket;

	/** Connections that fill the accept queue of a blackholed forwarder. */
	private final List<Socket> queueFillers = new CopyOnWriteArrayList<>();

	private volatile List<InetSocketAddress> backends;

	private final Random random;

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private volatile boolean dropping;

	/**
	 * Starts forwarding from 127.0.0.1 on a free port.
	 * @param backends the backends
	 * @param seed the seed of the per-connection choice
	 * @throws IOException if it cannot bind
	 */
	public RandomL4Forwarder(List<InetSocketAddress> backends, long seed) throws IOException {
		this(backends, seed, InetAddress.getLoopbackAddress());
	}

	/**
	 * Starts forwarding from an address of its own on a free port, as a pod's address in
	 * front of its server.
	 * @param backends the backends
	 * @param seed the seed of the per-connection choice
	 * @param address the loopback address it listens on
	 * @throws IOException if it cannot bind
	 */
	public RandomL4Forwarder(List<InetSocketAddress> backends, long seed, InetAddress address) throws IOException {
		this.backends = List.copyOf(backends);
		this.random = new Random(seed);
		this.serverSocket = new ServerSocket(0, 100, address);
		this.executor.execute(this::accept);
	}

	public String host() {
		return this.serverSocket.getInetAddress().getHostAddress();
	}

	public int port() {
		return this.serverSocket.getLocalPort();
	}

	/**
	 * Changes the backends, as kube-proxy does when the endpoints change: new connections
	 * go to the new ones, open connections stay where they are.
	 * @param backends the backends now
	 */
	public void backends(List<InetSocketAddress> backends) {
		this.backends = List.copyOf(backends);
	}

	/**
	 * Drops every byte from now on, both ways, while connections stay open, and leaves
	 * new connections unanswered (their SYN is dropped): what a client sees of a node
	 * that has gone (powered off, cut from the network).
	 * @throws IOException if the address cannot be taken over
	 */
	public void blackhole() throws IOException {
		this.dropping = true;
		InetSocketAddress address = (InetSocketAddress) this.serverSocket.getLocalSocketAddress();
		this.serverSocket.close();
		// a listener that never accepts, its accept queue full: Linux drops further SYNs
		this.serverSocket = listenSilently(address);
		for (int i = 0; i < 16; i++) {
			Socket filler = new Socket();
			try {
				filler.connect(address, 200);
				this.queueFillers.add(filler);
			}
			catch (SocketTimeoutException ex) {
				filler.close();
				return;
			}
		}
		throw new IOException("The accept queue of " + address + " did not fill up");
	}

	/**
	 * A listener on the address that never accepts. The old listener's socket closes once
	 * its accepting thread has woken up, a moment after it was closed.
	 */
	private static ServerSocket listenSilently(InetSocketAddress address) throws IOException {
		long deadline = System.nanoTime() + 5_000_000_000L;
		while (true) {
			ServerSocket silent = new ServerSocket();
			silent.setReuseAddress(true);
			try {
				silent.bind(address, 1);
				return silent;
			}
			catch (BindException ex) {
				silent.close();
				if (System.nanoTime() - deadline > 0) {
					throw ex;
				}
				try {
					Thread.sleep(5);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw ex;
				}
			}
		}
	}

	private void accept() {
		ServerSocket listener = this.serverSocket;
		while (!listener.isClosed()) {
			try {
				Socket client = listener.accept();
				List<InetSocketAddress> backends = this.backends;
				InetSocketAddress backend = backends.get(this.random.nextInt(backends.size()));
				Socket upstream = new Socket(backend.getAddress(), backend.getPort());
				client.setTcpNoDelay(true);
				upstream.setTcpNoDelay(true);
				this.executor.execute(() -> pipe(client, upstream));
				this.executor.execute(() -> pipe(upstream, client));
			}
			catch (IOException ex) {
				// closed, or a backend refused: the client sees its connection drop
			}
		}
	}

	private void pipe(Socket from, Socket to) {
		try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
			byte[] buffer = new byte[16384];
			for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
				if (!this.dropping) {
					out.write(buffer, 0, read);
				}
			}
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
		for (Socket filler : this.queueFillers) {
			closeQuietly(filler);
		}
		this.executor.shutdownNow();
	}

}
