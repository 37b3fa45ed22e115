package io.connbalance.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * An in-memory {@link DiscoveryClient} whose instances a test changes, as a cluster's
 * endpoints change when pods come and go; it can also be made to fail.
 */
public final class MutableDiscoveryClient implements DiscoveryClient {

	private final Map<String, List<ServiceInstance>> instances = new ConcurrentHashMap<>();

	private volatile RuntimeException failure;

	@Override
	public String description() {
		return "test";
	}

	@Override
	public List<ServiceInstance> getInstances(String serviceId) {
		RuntimeException current = this.failure;
		if (current != null) {
			throw current;
		}
		return List.copyOf(this.instances.getOrDefault(serviceId, List.of()));
	}

	@Override
	public List<String> getServices() {
		return new ArrayList<>(this.instances.keySet());
	}

	/** Adds an instance with the given metadata. */
	public MutableDiscoveryClient add(String serviceId, String host, int port, Map<String, String> metadata) {
		this.instances.computeIfAbsent(serviceId, (key) -> new CopyOnWriteArrayList<>())
			.add(new DefaultServiceInstance(null, serviceId, host, port, false, metadata));
		return this;
	}

	/** Adds a pod server as an instance, named after the pod. */
	public MutableDiscoveryClient add(String serviceId, TestPod server) {
		return add(serviceId, server.host(), server.port(), Map.of("pod-name", server.name()));
	}

	/** Removes every instance of a service. */
	public void clear(String serviceId) {
		this.instances.remove(serviceId);
	}

	/** Removes every instance at a host. */
	public void remove(String serviceId, String host) {
		this.instances.getOrDefault(serviceId, List.of()).removeIf((instance) -> instance.getHost().equals(host));
	}

	/** Makes every call fail with this exception, or succeed again with {@code null}. */
	public void fail(RuntimeException failure) {
		this.failure = failure;
	}

}
