package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.connbalance.balance.BalancingStrategy;
import io.connbalance.pod.ServiceTarget;

import org.springframework.util.StringUtils;

/**
 * {@link ConnbalanceProperties} checked and resolved once: defaults applied, nothing left
 * to interpret at run time.
 *
 * @param refreshInterval the time between scheduled refreshes
 * @param services the services, in configuration order
 */
public record ConnbalanceSettings(Duration refreshInterval, List<ServiceTarget> services) {

	private static final Pattern SERVICE_KEY = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

	public ConnbalanceSettings {
		services = List.copyOf(services);
	}

	/**
	 * Checks and resolves the properties.
	 * @param properties the bound properties
	 * @return the settings
	 * @throws InvalidConfigurationException naming the first invalid property
	 */
	public static ConnbalanceSettings of(ConnbalanceProperties properties) {
		Duration interval = properties.getRefresh().getInterval();
		if (interval == null || interval.isZero() || interval.isNegative()) {
			throw new InvalidConfigurationException("connbalance.refresh.interval", "must be positive, was " + interval,
					"Set a positive duration such as 5s.");
		}
		String defaultStrategy = strategy("connbalance.defaults.strategy", properties.getDefaults().getStrategy());
		if (properties.getHttp().getMaxConnectionsPerPod() < 1) {
			throw new InvalidConfigurationException("connbalance.http.max-connections-per-pod",
					"must be at least 1, was " + properties.getHttp().getMaxConnectionsPerPod(),
					"Set a positive number such as 50.");
		}
		List<ServiceTarget> services = new ArrayList<>();
		properties.getServices().forEach((key, service) -> services.add(target(key, service, defaultStrategy)));
		checkDataSources(properties.getDatasources(), properties.getServices());
		return new ConnbalanceSettings(interval, services);
	}

	private static ServiceTarget target(String key, ConnbalanceProperties.Service service, String defaultStrategy) {
		String prefix = "connbalance.services." + key;
		if (!SERVICE_KEY.matcher(key).matches()) {
			throw new InvalidConfigurationException(prefix, "the key '" + key + "' is not a valid host name",
					"Use lower-case letters, digits and '-' (it is the host in http://" + key + "/...).");
		}
		Integer port = service.getPort();
		if (port != null && (port < 1 || port > 65535)) {
			throw new InvalidConfigurationException(prefix + ".port", "must be between 1 and 65535, was " + port,
					"Set a valid port, or remove it to use the discovered one.");
		}
		String portName = StringUtils.hasText(service.getPortName()) ? service.getPortName().trim() : null;
		if (port != null && portName != null) {
			throw new InvalidConfigurationException(prefix + ".port-name", "is set together with " + prefix + ".port",
					"Set only one of them.");
		}
		String serviceId = StringUtils.hasText(service.getServiceId()) ? service.getServiceId().trim() : key;
		String strategy = (service.getStrategy() != null) ? strategy(prefix + ".strategy", service.getStrategy())
				: defaultStrategy;
		return new ServiceTarget(key, serviceId, portName, port, strategy);
	}

	private static String strategy(String property, String value) {
		String name = (value != null) ? value.trim() : "";
		if (BalancingStrategy.names().contains(name)) {
			return name;
		}
		throw new InvalidConfigurationException(property, "unknown strategy '" + value + "'",
				"Use one of: round-robin, least-request, peak-ewma.");
	}

	private static void checkDataSources(Map<String, ConnbalanceProperties.DataSource> dataSources,
			Map<String, ConnbalanceProperties.Service> services) {
		dataSources.forEach((name, dataSource) -> {
			String prefix = "connbalance.datasources." + name;
			if (!StringUtils.hasText(dataSource.getService())) {
				throw new InvalidConfigurationException(prefix + ".service", "is not set",
						"Set it to a key of connbalance.services " + services.keySet() + ".");
			}
			if (!services.containsKey(dataSource.getService())) {
				throw new InvalidConfigurationException(prefix + ".service",
						"names the unknown service '" + dataSource.getService() + "'",
						"Use a key of connbalance.services " + services.keySet() + ", or add connbalance.services."
								+ dataSource.getService() + ".");
			}
			if (!StringUtils.hasText(dataSource.getUrl()) || !dataSource.getUrl().contains("{host}")) {
				throw new InvalidConfigurationException(prefix + ".url",
						StringUtils.hasText(dataSource.getUrl()) ? "has no {host} placeholder" : "is not set",
						"Set a JDBC URL with {host} and {port} for each pod's address, such as "
								+ "jdbc:postgresql://{host}:{port}/app.");
			}
			Duration timeout = dataSource.getConnectionTimeout();
			if (timeout == null || timeout.toMillis() < 250) {
				throw new InvalidConfigurationException(prefix + ".connection-timeout",
						"must be at least 250ms, was " + timeout, "Set a duration such as 5s.");
			}
			if (dataSource.getPoolSizePerPod() < 1) {
				throw new InvalidConfigurationException(prefix + ".pool-size-per-pod",
						"must be at least 1, was " + dataSource.getPoolSizePerPod(), "Set a positive number.");
			}
		});
	}

}
