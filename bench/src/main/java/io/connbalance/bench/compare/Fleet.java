package io.connbalance.bench.compare;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.PostgresPods;
import io.connbalance.testsupport.TestPod;

/**
 * Pods of one kind behind the service "backend": whatever is in discovery is also in
 * kube-proxy's rules and in the backends of any proxy watching.
 */
final class Fleet implements AutoCloseable {

	private final KubeProxy kubeProxy;

	private final List<String> names;

	private final PodStarter starter;

	private final AutoCloseable pods;

	private final List<Consumer<List<InetSocketAddress>>> watchers = new CopyOnWriteArrayList<>();

	private volatile String service;

	/**
	 * Pods already in discovery.
	 * @param kubeProxy the rules that follow discovery
	 * @param names the pods' names
	 * @param starter starts one more
	 * @param pods stops them all, or {@code null} when the caller stops them
	 */
	private Fleet(KubeProxy kubeProxy, List<String> names, PodStarter starter, AutoCloseable pods) throws IOException {
		this.kubeProxy = kubeProxy;
		this.names = List.copyOf(names);
		this.starter = starter;
		this.pods = pods;
		changed();
	}

	/**
	 * A fleet of pods already in discovery; pods added later are started by them.
	 * @param closer stops them all, or {@code null} when the caller stops them
	 */
	static <P extends TestPod> Fleet of(KubeProxy kubeProxy, PodServers<P> pods, AutoCloseable closer)
			throws IOException {
		return new Fleet(kubeProxy, pods.map(TestPod::name), () -> {
			P added = pods.add();
			return new Started(added.name(), added.host(), added, () -> Contender.DISCOVERY.add("backend", added));
		}, closer);
	}

	/** A fleet of PostgreSQL servers, made the only instances of "backend". */
	static Fleet postgres(KubeProxy kubeProxy, int count) throws IOException {
		PostgresPods pods = PostgresPods.start(count);
		Contender.DISCOVERY.clear("backend");
		pods.all().forEach((pod) -> pod.register(Contender.DISCOVERY, "backend"));
		return new Fleet(kubeProxy, pods.all().stream().map(PostgresPods.Server::name).toList(), () -> {
			PostgresPods.Server added = pods.add();
			return new Started(added.name(), added.host(), added, () -> added.register(Contender.DISCOVERY, "backend"));
		}, pods);
	}

	/** The first pods' names. */
	List<String> names() {
		return this.names;
	}

	/** The kube-proxy Service's URL base. */
	String service() {
		return this.service;
	}

	/** The pods in discovery now. */
	List<InetSocketAddress> addresses() {
		return Contender.DISCOVERY.getInstances("backend")
			.stream()
			.map((instance) -> new InetSocketAddress(instance.getHost(), instance.getPort()))
			.toList();
	}

	/** Calls the watcher with the pods whenever they change. */
	void onChange(Consumer<List<InetSocketAddress>> watcher) {
		this.watchers.add(watcher);
	}

	String add() throws Exception {
		return add(1).get(0).name();
	}

	/**
	 * Starts pods, then puts them in discovery (and kube-proxy's rules) at one moment.
	 * @param count how many
	 * @return the pods
	 */
	List<Started> add(int count) throws Exception {
		List<Started> started = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			started.add(this.starter.start());
		}
		started.forEach((pod) -> pod.register().run());
		changed();
		return started;
	}

	void remove(String host) throws IOException {
		remove(List.of(host));
	}

	/** Takes pods out of discovery (and kube-proxy's rules) at one moment. */
	void remove(List<String> hosts) throws IOException {
		hosts.forEach((host) -> Contender.DISCOVERY.remove("backend", host));
		changed();
	}

	private void changed() throws IOException {
		List<InetSocketAddress> addresses = addresses();
		this.service = this.kubeProxy.route(addresses);
		this.watchers.forEach((watcher) -> watcher.accept(addresses));
	}

	@Override
	public void close() throws Exception {
		if (this.pods != null) {
			this.pods.close();
		}
	}

	/** Starts one more pod, not yet in discovery. */
	@FunctionalInterface
	interface PodStarter {

		Started start() throws Exception;

	}

	/**
	 * A pod started by the fleet.
	 *
	 * @param name its name
	 * @param host its address
	 * @param pod stops it
	 * @param register puts it in discovery
	 */
	record Started(String name, String host, AutoCloseable pod, Runnable register) {
	}

	@FunctionalInterface
	interface Starter {

		Fleet start(int count) throws Exception;

	}

}
