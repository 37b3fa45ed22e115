package io.connbalance.demo.frontend;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.connbalance.refresh.PodRefresher;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.simple.InstanceProperties;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryProperties;

/**
 * Local runs: the backend pods, which the dashboard can add to and remove from, as a
 * Deployment scaled up and down would. The first pods are those listed for the simple
 * discovery client (started by demo.sh); an added pod is a demo-backend process started
 * here on the next free address (127.0.0.5, ...), and enters the list once it answers. A
 * removed pod leaves the list at once (as its endpoint would) and, if it was started
 * here, stops a few seconds later. Other services come from the simple list unchanged.
 */
class LocalPods implements DiscoveryClient, DisposableBean {

	private static final Log logger = LogFactory.getLog(LocalPods.class);

	static final String SERVICE = "backend";

	/** Addresses 127.0.0.2 to 127.0.0.9 at the most. */
	private static final int MAX_PODS = 8;

	private static final int HTTP_PORT = 8081;

	private static final int GRPC_PORT = 9091;

	private final SimpleDiscoveryProperties simple;

	private final String backendJar;

	/** Lazily: the refresher depends on the discovery clients, this one included. */
	private final ObjectProvider<PodRefresher> refresher;

	private final List<ServiceInstance> pods = new CopyOnWriteArrayList<>();

	private final Map<String, Process> started = new ConcurrentHashMap<>();

	private final ScheduledExecutorService stopper = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "local-pods");
		thread.setDaemon(true);
		return thread;
	});

	LocalPods(SimpleDiscoveryProperties simple, String backendJar, ObjectProvider<PodRefresher> refresher) {
		this.simple = simple;
		this.backendJar = backendJar;
		this.refresher = refresher;
		this.pods.addAll(listed(SERVICE));
	}

	@Override
	public String description() {
		return "demo local pods";
	}

	@Override
	public List<ServiceInstance> getInstances(String serviceId) {
		if (SERVICE.equals(serviceId)) {
			return List.copyOf(this.pods);
		}
		return listed(serviceId);
	}

	private List<ServiceInstance> listed(String serviceId) {
		return this.simple.getInstances()
			.getOrDefault(serviceId, List.of())
			.stream()
			.map(InstanceProperties::toServiceInstance)
			.toList();
	}

	@Override
	public List<String> getServices() {
		List<String> services = new ArrayList<>(this.simple.getInstances().keySet());
		if (!services.contains(SERVICE)) {
			services.add(SERVICE);
		}
		return services;
	}

	@Override
	public int getOrder() {
		// before the simple client, so that the pods added here count
		return -1;
	}

	/**
	 * Whether pods can be started here (demo.sh says where the backend jar is).
	 * @return {@code true} if {@link #add()} can work
	 */
	boolean canAdd() {
		return this.backendJar != null && new File(this.backendJar).isFile();
	}

	/**
	 * Starts a backend pod on the next free address and adds it once it answers.
	 * @return its name
	 * @throws IOException if it cannot start
	 */
	synchronized String add() throws IOException, InterruptedException {
		if (!canAdd()) {
			throw new IllegalStateException("No backend jar to start pods from: set demo.local.backend-jar");
		}
		int n = 1;
		while (n <= MAX_PODS && hasHost(host(n))) {
			n++;
		}
		if (n > MAX_PODS) {
			throw new IllegalStateException("At most " + MAX_PODS + " local pods");
		}
		String name = "backend-" + n;
		String host = host(n);
		ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-jar", this.backendJar, "--server.address=" + host, "--spring.grpc.server.address=" + host)
			.redirectErrorStream(true)
			.redirectOutput(
					Path.of(System.getProperty("java.io.tmpdir"), "connbalance-demo-" + name + ".log").toFile());
		builder.environment().put("POD_NAME", name);
		Process process = builder.start();
		this.started.put(host, process);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (!(accepts(host, HTTP_PORT) && accepts(host, GRPC_PORT))) {
			if (!process.isAlive() || System.nanoTime() - deadline > 0) {
				process.destroyForcibly();
				this.started.remove(host);
				throw new IOException(
						"Pod " + name + " did not start; see its log in " + System.getProperty("java.io.tmpdir"));
			}
			Thread.sleep(200);
		}
		DefaultServiceInstance instance = new DefaultServiceInstance(name, SERVICE, host, HTTP_PORT, false, Map
			.of("pod-name", name, "port.http", String.valueOf(HTTP_PORT), "port.grpc", String.valueOf(GRPC_PORT)));
		this.pods.add(instance);
		this.refresher.getObject().refreshNow();
		logger.info("Added pod " + name + " on " + host);
		return name;
	}

	/**
	 * Removes the last pod from the service; it drains, and if it was started here it
	 * stops after 5 s.
	 * @return its name, or {@code null} when one pod is left
	 */
	synchronized String remove() {
		if (this.pods.size() <= 1) {
			return null;
		}
		ServiceInstance last = this.pods.get(this.pods.size() - 1);
		this.pods.remove(last);
		this.refresher.getObject().refreshNow();
		Process process = this.started.remove(last.getHost());
		if (process != null) {
			this.stopper.schedule(process::destroy, 5, TimeUnit.SECONDS);
		}
		String name = last.getMetadata().getOrDefault("pod-name", last.getInstanceId());
		logger.info("Removed pod " + name + " from service '" + SERVICE + "'");
		return name;
	}

	private boolean hasHost(String host) {
		return this.pods.stream().anyMatch((pod) -> pod.getHost().equals(host)) || this.started.containsKey(host);
	}

	private static String host(int n) {
		return "127.0.0." + (n + 1);
	}

	private static boolean accepts(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), 200);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	public void destroy() {
		this.started.values().forEach(Process::destroy);
		this.stopper.shutdownNow();
	}

}
