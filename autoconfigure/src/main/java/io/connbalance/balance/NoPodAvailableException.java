package io.connbalance.balance;

/**
 * Thrown when a service has no ready pod to send a request to.
 */
public class NoPodAvailableException extends IllegalStateException {

	private final String service;

	/**
	 * Creates the exception.
	 * @param service the service key
	 */
	public NoPodAvailableException(String service) {
		super("No ready pod for service '" + service + "': discovery has found none yet, or all have left");
		this.service = service;
	}

	/**
	 * The service that has no ready pod.
	 * @return the service key
	 */
	public String getService() {
		return this.service;
	}

}
