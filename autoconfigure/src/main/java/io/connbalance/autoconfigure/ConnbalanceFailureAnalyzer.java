package io.connbalance.autoconfigure;

import io.connbalance.discovery.PortNotFoundException;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Explains connbalance's startup failures: the property at fault and how to fix it.
 */
class ConnbalanceFailureAnalyzer implements FailureAnalyzer {

	@Override
	public FailureAnalysis analyze(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof InvalidConfigurationException invalid) {
				return new FailureAnalysis(invalid.getMessage(), invalid.getAction(), invalid);
			}
			if (cause instanceof PortNotFoundException port) {
				String property = "connbalance.services." + port.getService() + ".port-name";
				return new FailureAnalysis("Invalid property '" + property + "': " + port.getMessage() + ".",
						"Set " + property + " to one of the named ports, or remove it to use the discovered port.",
						port);
			}
		}
		return null;
	}

}
