package io.connbalance.autoconfigure;

/**
 * Thrown at startup for a connbalance setting that cannot work; names the property and
 * the fix.
 */
public class InvalidConfigurationException extends RuntimeException {

	private final String property;

	private final String action;

	/**
	 * Creates the exception.
	 * @param property the full property name
	 * @param problem what is wrong
	 * @param action how to fix it
	 */
	public InvalidConfigurationException(String property, String problem, String action) {
		super("Invalid property '" + property + "': " + problem + ". " + action);
		this.property = property;
		this.action = action;
	}

	/**
	 * The full property name.
	 * @return the property
	 */
	public String getProperty() {
		return this.property;
	}

	/**
	 * How to fix it.
	 * @return the action
	 */
	public String getAction() {
		return this.action;
	}

}
