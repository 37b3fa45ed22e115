package io.connbalance.kubernetes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointHints;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ObjectReference;

import io.connbalance.discovery.PortNotFoundException;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodState;
import io.connbalance.pod.ServiceTarget;
import io.connbalance.pod.Topology;

import org.springframework.util.StringUtils;

/**
 * Turns the EndpointSlices of one Service into pods.
 * <ul>
 * <li>Several slices are merged, of one address family (IPv4 when there are IPv4 slices,
 * so that a dual-stack Service does not list each pod twice); an address found in two
 * slices (as while a slice is being replaced) counts once, ready rather than
 * terminating.</li>
 * <li>A {@code terminating} endpoint is {@link PodState#DRAINING draining}: it takes no
 * new requests while those in flight finish. An endpoint that is neither ready nor
 * terminating is left out.</li>
 * <li>The pod name is the endpoint's {@code targetRef} (the pod), else its
 * {@code hostname}, else {@code host:port}; the zone is the endpoint's {@code zone}, the
 * node its {@code nodeName}, and its {@code hints} say which zones and nodes should use
 * it.</li>
 * <li>The port is the configured number, else the slice port of the configured name, else
 * the slice's only port, or the one named {@code http} or {@code https}.</li>
 * </ul>
 */
final class EndpointSlicePods {

	private EndpointSlicePods() {
	}

	/**
	 * The pods of a service.
	 * @param target the service
	 * @param slices its EndpointSlices
	 * @return the pods, ready and draining
	 * @throws PortNotFoundException when slices list ready or terminating endpoints but
	 * none has the configured port name (a Service whose every endpoint is unready has no
	 * pods, which is not a configuration error)
	 */
	static List<Pod> pods(ServiceTarget target, Collection<V1EndpointSlice> slices) {
		Map<String, Pod> pods = new LinkedHashMap<>();
		TreeSet<String> portNames = new TreeSet<>();
		boolean anyUsable = false;
		String family = addressFamily(slices);
		for (V1EndpointSlice slice : slices) {
			if (slice.getAddressType() != null && !slice.getAddressType().equals(family)) {
				// a dual-stack Service has a slice per family listing the same pods
				continue;
			}
			List<DiscoveryV1EndpointPort> ports = (slice.getPorts() != null) ? slice.getPorts() : List.of();
			ports.forEach((port) -> {
				if (port.getName() != null) {
					portNames.add(port.getName());
				}
			});
			Integer port = port(target, ports);
			for (V1Endpoint endpoint : (slice.getEndpoints() != null) ? slice.getEndpoints() : List.<V1Endpoint>of()) {
				PodState state = state(endpoint.getConditions());
				if (state == null || endpoint.getAddresses() == null || endpoint.getAddresses().isEmpty()) {
					// not ready: no traffic, and no evidence about the port either
					continue;
				}
				anyUsable = true;
				if (port == null) {
					continue;
				}
				Pod pod = new Pod(name(endpoint, port), endpoint.getAddresses().get(0), port, endpoint.getZone(), state,
						topology(endpoint));
				pods.merge(pod.address(), pod, (existing, other) -> existing.isReady() ? existing : other);
			}
		}
		if (pods.isEmpty() && anyUsable && target.portName() != null && target.port() == null) {
			throw new PortNotFoundException(target.key(), target.serviceId(), target.portName(), portNames);
		}
		return new ArrayList<>(pods.values());
	}

	/**
	 * The address family whose slices are read: IPv4 when there are any, else IPv6.
	 */
	private static String addressFamily(Collection<V1EndpointSlice> slices) {
		boolean ipv6 = false;
		for (V1EndpointSlice slice : slices) {
			if ("IPv4".equals(slice.getAddressType())) {
				return "IPv4";
			}
			ipv6 |= "IPv6".equals(slice.getAddressType());
		}
		return ipv6 ? "IPv6" : "IPv4";
	}

	private static Integer port(ServiceTarget target, List<DiscoveryV1EndpointPort> ports) {
		if (target.port() != null) {
			return target.port();
		}
		if (target.portName() != null) {
			return ports.stream()
				.filter((port) -> target.portName().equals(port.getName()))
				.map(DiscoveryV1EndpointPort::getPort)
				.findFirst()
				.orElse(null);
		}
		if (ports.size() == 1) {
			return ports.get(0).getPort();
		}
		for (String name : List.of("http", "https")) {
			for (DiscoveryV1EndpointPort port : ports) {
				if (name.equals(port.getName())) {
					return port.getPort();
				}
			}
		}
		return ports.isEmpty() ? null : ports.get(0).getPort();
	}

	/**
	 * The state of an endpoint, {@code null} when it takes no traffic at all. As the API
	 * says, a missing {@code ready} means ready and a missing {@code terminating} means
	 * not terminating.
	 */
	private static PodState state(V1EndpointConditions conditions) {
		if (conditions == null) {
			return PodState.READY;
		}
		if (Boolean.TRUE.equals(conditions.getTerminating())) {
			return PodState.DRAINING;
		}
		return Boolean.FALSE.equals(conditions.getReady()) ? null : PodState.READY;
	}

	private static Topology topology(V1Endpoint endpoint) {
		V1EndpointHints hints = endpoint.getHints();
		Set<String> zones = new HashSet<>();
		Set<String> nodes = new HashSet<>();
		if (hints != null && hints.getForZones() != null) {
			hints.getForZones().forEach((zone) -> zones.add(zone.getName()));
		}
		if (hints != null && hints.getForNodes() != null) {
			hints.getForNodes().forEach((node) -> nodes.add(node.getName()));
		}
		return new Topology(endpoint.getNodeName(), zones, nodes);
	}

	private static String name(V1Endpoint endpoint, int port) {
		V1ObjectReference pod = endpoint.getTargetRef();
		if (pod != null && StringUtils.hasText(pod.getName())) {
			return pod.getName();
		}
		if (StringUtils.hasText(endpoint.getHostname())) {
			return endpoint.getHostname();
		}
		return Pod.of(endpoint.getAddresses().get(0), port).address();
	}

}
