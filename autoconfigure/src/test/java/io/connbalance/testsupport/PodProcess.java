package io.connbalance.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A pod as a process of its own: an HTTP server (an {@link IdleClosingServer} that keeps
 * connections for 10 minutes) in a separate JVM on its loopback address, so that a test
 * can freeze it ({@code kill -STOP}: the kernel still accepts connections that nobody
 * answers), thaw it, or kill it ({@code kill -9}: its connections are reset).
 */
public final class PodProcess implements AutoCloseable {

	private final String name;

	private final String host;

	private final int port;

	private final Process process;

	private PodProcess(String name, String host, int port, Process process) {
		this.name = name;
		this.host = host;
		this.port = port;
		this.process = process;
	}

	/**
	 * Starts a pod process and waits until it listens.
	 * @param name the pod name it answers with
	 * @param host its loopback address
	 * @return the running pod
	 * @throws IOException if it cannot start
	 */
	public static PodProcess start(String name, String host) throws IOException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Process process = new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp",
				System.getProperty("java.class.path"), Main.class.getName(), name, host)
			.redirectErrorStream(true)
			.start();
		BufferedReader output = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
		String line = output.readLine();
		if (line == null || !line.startsWith("listening ")) {
			process.destroyForcibly();
			throw new IOException("Pod " + name + " did not start: " + line);
		}
		// whatever it prints later must not fill the pipe and stop it
		Thread drain = new Thread(() -> {
			try {
				output.transferTo(Writer.nullWriter());
			}
			catch (IOException ex) {
				// it has gone
			}
		}, "pod-output-" + name);
		drain.setDaemon(true);
		drain.start();
		return new PodProcess(name, host, Integer.parseInt(line.substring("listening ".length()).trim()), process);
	}

	public String name() {
		return this.name;
	}

	public String host() {
		return this.host;
	}

	public int port() {
		return this.port;
	}

	/** Freezes the process, as a pod whose node stalls. */
	public void freeze() {
		signal("STOP");
	}

	/** Lets a frozen process run again. */
	public void thaw() {
		signal("CONT");
	}

	/** Kills the process at once, as a pod that crashes. */
	public void kill() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void signal(String signal) {
		try {
			Process kill = new ProcessBuilder(List.of("kill", "-" + signal, String.valueOf(this.process.pid())))
				.inheritIO()
				.start();
			if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException("kill -" + signal + " failed");
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		kill();
	}

	/**
	 * The pod process: a server on the given address and a free port, printed on the
	 * first line; it stops when its parent closes its standard input or dies.
	 */
	public static final class Main {

		private Main() {
		}

		public static void main(String[] args) throws Exception {
			IdleClosingServer server = IdleClosingServer.start(args[0], args[1], Duration.ofMinutes(10));
			System.out.println("listening " + server.port());
			System.out.flush();
			// ends when the test's JVM goes away, whatever way it goes
			while (System.in.read() >= 0) {
				Thread.onSpinWait();
			}
			server.close();
			System.exit(0);
		}

	}

}
