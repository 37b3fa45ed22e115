package io.connbalance.pod;

import java.util.Objects;

/**
 * One pod (network endpoint) behind a service.
 *
 * @param name the pod name, or {@code host:port} when discovery does not know it
 * @param host the pod IP address or host name
 * @param port the port chosen for this service
 * @param zone the topology zone, or {@code null} when unknown
 * @param state whether the pod takes new work
 * @param topology its node and the zones and nodes it is hinted for
 */
public record Pod(String name, String host, int port, String zone, PodState state,
		Topology topology) implements Comparable<Pod> {

	public Pod {
		Objects.requireNonNull(name, "'name' must not be null");
		Objects.requireNonNull(host, "'host' must not be null");
		Objects.requireNonNull(state, "'state' must not be null");
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("'port' must be between 1 and 65535, was " + port);
		}
		topology = (topology != null) ? topology : Topology.NONE;
	}

	/**
	 * A pod whose node and hints are unknown.
	 * @param name the pod name
	 * @param host the address
	 * @param port the port
	 * @param zone the zone, or {@code null}
	 * @param state whether it takes new work
	 */
	public Pod(String name, String host, int port, String zone, PodState state) {
		this(name, host, port, zone, state, Topology.NONE);
	}

	/**
	 * A ready pod named after its address.
	 * @param host the host
	 * @param port the port
	 * @return the pod
	 */
	public static Pod of(String host, int port) {
		return new Pod(address(host, port), host, port, null, PodState.READY);
	}

	/**
	 * The pod's network address, {@code host:port} ({@code [v6]:port} for IPv6), which
	 * identifies it across refreshes.
	 * @return the address
	 */
	public String address() {
		return address(this.host, this.port);
	}

	/**
	 * Whether new work may go to this pod.
	 * @return {@code true} when ready
	 */
	public boolean isReady() {
		return this.state == PodState.READY;
	}

	/**
	 * This pod in another state.
	 * @param state the new state
	 * @return a copy with the state changed
	 */
	public Pod withState(PodState state) {
		return new Pod(this.name, this.host, this.port, this.zone, state, this.topology);
	}

	@Override
	public int compareTo(Pod other) {
		int byName = this.name.compareTo(other.name);
		return (byName != 0) ? byName : address().compareTo(other.address());
	}

	private static String address(String host, int port) {
		return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
	}

}
