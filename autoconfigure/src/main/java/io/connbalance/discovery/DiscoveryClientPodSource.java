package io.connbalance.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

import io.connbalance.pod.Pod;
import io.connbalance.pod.PodState;
import io.connbalance.pod.ServiceTarget;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClient;
import org.springframework.util.StringUtils;

/**
 * Finds pods through a Spring Cloud {@link DiscoveryClient}: Spring Cloud Kubernetes in a
 * cluster, the simple discovery client locally, or any other.
 * <p>
 * Named ports are read from instance metadata {@code port.<name>} (as Spring Cloud
 * Kubernetes writes them); the pod name from metadata {@code pod-name}, else the instance
 * id, else {@code host:port}; the zone from metadata {@code zone} or
 * {@code topology.kubernetes.io/zone}.
 */
public class DiscoveryClientPodSource implements PodSource {

	/** Metadata prefix of named ports. */
	public static final String PORT_PREFIX = "port.";

	private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

	private final DiscoveryClient discoveryClient;

	/**
	 * Creates a source.
	 * @param discoveryClient the discovery client (usually the composite one)
	 */
	public DiscoveryClientPodSource(DiscoveryClient discoveryClient) {
		this.discoveryClient = discoveryClient;
	}

	@Override
	public DiscoveredPods discover(ServiceTarget target) {
		for (DiscoveryClient client : clients()) {
			List<ServiceInstance> instances = client.getInstances(target.serviceId());
			if (instances != null && !instances.isEmpty()) {
				return new DiscoveredPods(sourceName(client), pods(target, instances));
			}
		}
		return new DiscoveredPods(sourceName(this.discoveryClient), List.of());
	}

	private List<DiscoveryClient> clients() {
		if (this.discoveryClient instanceof CompositeDiscoveryClient composite) {
			return composite.getDiscoveryClients();
		}
		return List.of(this.discoveryClient);
	}

	private List<Pod> pods(ServiceTarget target, List<ServiceInstance> instances) {
		List<Pod> pods = new ArrayList<>(instances.size());
		for (ServiceInstance instance : instances) {
			Integer port = port(target, instance.getMetadata(), instance.getPort());
			if (port != null) {
				pods.add(new Pod(name(instance, port), instance.getHost(), port, zone(instance.getMetadata()),
						PodState.READY));
			}
		}
		if (pods.isEmpty() && target.portName() != null) {
			TreeSet<String> named = new TreeSet<>();
			instances.forEach((instance) -> named.addAll(portNames(instance.getMetadata())));
			throw new PortNotFoundException(target.key(), target.serviceId(), target.portName(), named);
		}
		return pods;
	}

	private Integer port(ServiceTarget target, Map<String, String> metadata, int instancePort) {
		if (target.port() != null) {
			return target.port();
		}
		if (target.portName() != null) {
			String value = (metadata != null) ? metadata.get(PORT_PREFIX + target.portName()) : null;
			return StringUtils.hasText(value) ? Integer.valueOf(value.trim()) : null;
		}
		return instancePort;
	}

	private static List<String> portNames(Map<String, String> metadata) {
		if (metadata == null) {
			return List.of();
		}
		return metadata.keySet()
			.stream()
			.filter((key) -> key.startsWith(PORT_PREFIX))
			.map((key) -> key.substring(PORT_PREFIX.length()))
			.toList();
	}

	private static String name(ServiceInstance instance, int port) {
		Map<String, String> metadata = instance.getMetadata();
		String name = (metadata != null) ? metadata.get("pod-name") : null;
		if (StringUtils.hasText(name)) {
			return name;
		}
		String id = instance.getInstanceId();
		if (StringUtils.hasText(id) && !id.equals(instance.getServiceId())
				&& !UUID.matcher(id.toLowerCase(Locale.ROOT)).matches()) {
			return id;
		}
		return Pod.of(instance.getHost(), port).address();
	}

	private static String zone(Map<String, String> metadata) {
		if (metadata == null) {
			return null;
		}
		String zone = metadata.get("zone");
		return StringUtils.hasText(zone) ? zone : metadata.get("topology.kubernetes.io/zone");
	}

	private static String sourceName(DiscoveryClient client) {
		String type = client.getClass().getSimpleName().toLowerCase(Locale.ROOT);
		if (type.contains("kubernetes")) {
			return "kubernetes";
		}
		if (type.contains("simple")) {
			return "simple";
		}
		return client.description();
	}

}
