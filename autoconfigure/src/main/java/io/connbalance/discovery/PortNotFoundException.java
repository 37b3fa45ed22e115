package io.connbalance.discovery;

import java.util.Set;

/**
 * Thrown when the instances of a service do not have the port named in configuration.
 */
public class PortNotFoundException extends RuntimeException {

	private final String service;

	private final String portName;

	private final Set<String> available;

	/**
	 * Creates the exception.
	 * @param service the service key
	 * @param serviceId the discovery service id
	 * @param portName the configured port name
	 * @param available the port names the instances have
	 */
	public PortNotFoundException(String service, String serviceId, String portName, Set<String> available) {
		super("The instances of service '" + serviceId + "' have no port named '" + portName + "' (named ports: "
				+ (available.isEmpty() ? "none" : String.join(", ", available)) + ")");
		this.service = service;
		this.portName = portName;
		this.available = Set.copyOf(available);
	}

	/**
	 * The service key.
	 * @return the key
	 */
	public String getService() {
		return this.service;
	}

	/**
	 * The configured port name.
	 * @return the name
	 */
	public String getPortName() {
		return this.portName;
	}

	/**
	 * The named ports the instances have.
	 * @return the names
	 */
	public Set<String> getAvailable() {
		return this.available;
	}

}
