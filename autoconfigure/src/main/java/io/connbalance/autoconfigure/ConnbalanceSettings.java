package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.connbalance.balance.BalancingOptions;
import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.Locality;
import io.connbalance.balance.OutlierEjection;
import io.connbalance.pod.ServiceTarget;

import org.springframework.util.StringUtils;

/**
 * {@link ConnbalanceProperties} checked and resolved once: defaults applied, nothing left
 * to interpret at run time.
 *
 * @param refreshInterval the time between scheduled refreshes
 * @param services the services, in configuration order
 * @param balancing each service's ejection, slow start and retry options, by key
 * @param http each service's HTTP settings as connbalance sets them, by key
 * @param maxConnectionsPerPod the most connections per pod of each HTTP client kind
 * @param poolAcquireTimeout how long an HTTP request waits for a free connection of its
 * pod's pool
 * @param watchTimeout how long the API server keeps one watch of EndpointSlices open
 * @param grpcDrainTimeout how long gRPC calls may go on on a pod that left
 * @param statsWindow the window of the endpoint's shares
 */
public record ConnbalanceSettings(Duration refreshInterval, List<ServiceTarget> services,
		Map<String, BalancingOptions> balancing, Map<String, ServiceHttpOptions> http, int maxConnectionsPerPod,
		Duration poolAcquireTimeout, Duration watchTimeout, Duration grpcDrainTimeout, Duration statsWindow) {

	private static final Pattern SERVICE_KEY = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

	public ConnbalanceSettings {
		services = List.copyOf(services);
		balancing = Map.copyOf(balancing);
		http = Map.copyOf(http);
	}

	/**
	 * Settings with the default options for every service.
	 * @param refreshInterval the time between scheduled refreshes
	 * @param services the services, in configuration order
	 */
	public ConnbalanceSettings(Duration refreshInterval, List<ServiceTarget> services) {
		this(refreshInterval, services,
				services.stream().collect(Collectors.toMap(ServiceTarget::key, (service) -> BalancingOptions.DEFAULTS)),
				Map.of(), 50, Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(30),
				Duration.ofSeconds(30));
	}

	/**
	 * The keys of the services.
	 * @return the keys, the hosts of service URLs
	 */
	public Set<String> serviceKeys() {
		return this.services.stream().map(ServiceTarget::key).collect(Collectors.toUnmodifiableSet());
	}

	/**
	 * The HTTP settings of a service as connbalance sets them.
	 * @param key the service key
	 * @return its settings; each {@code null} when neither the service nor the defaults
	 * set it
	 */
	public ServiceHttpOptions http(String key) {
		return this.http.getOrDefault(key, ServiceHttpOptions.UNSET);
	}

	/**
	 * The balancing options of a service.
	 * @param key the service key
	 * @return its options, or the defaults for an unknown key
	 */
	public BalancingOptions balancing(String key) {
		return this.balancing.getOrDefault(key, BalancingOptions.DEFAULTS);
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
		Duration watchTimeout = properties.getKubernetes().getWatchTimeout();
		if (watchTimeout == null || watchTimeout.toSeconds() < 1 || watchTimeout.toHours() >= 1) {
			throw new InvalidConfigurationException("connbalance.kubernetes.watch-timeout",
					"must be at least 1s and less than 1h, was " + watchTimeout, "Set a duration such as 60s.");
		}
		String defaultStrategy = strategy("connbalance.defaults.strategy", properties.getDefaults().getStrategy());
		if (properties.getHttp().getMaxConnectionsPerPod() < 1) {
			throw new InvalidConfigurationException("connbalance.http.max-connections-per-pod",
					"must be at least 1, was " + properties.getHttp().getMaxConnectionsPerPod(),
					"Set a positive number such as 50.");
		}
		ConnbalanceProperties.Defaults defaults = properties.getDefaults();
		BalancingOptions defaultOptions = new BalancingOptions(
				ejection("connbalance.defaults.outlier-ejection", defaults.getOutlierEjection(),
						OutlierEjection.DEFAULTS),
				slowStart("connbalance.defaults.slow-start", defaults.getSlowStart()),
				retries("connbalance.defaults.retries", defaults.getRetries()),
				locality("connbalance.defaults.locality", defaults.getLocality()),
				subsetSize("connbalance.defaults.subset-size", defaults.getSubsetSize()));
		List<ServiceTarget> services = new ArrayList<>();
		Map<String, BalancingOptions> balancing = new LinkedHashMap<>();
		Map<String, ServiceHttpOptions> http = new LinkedHashMap<>();
		ServiceHttpOptions defaultHttp = ServiceHttpOptions.timeouts("connbalance.defaults",
				defaults.getConnectTimeout(), defaults.getReadTimeout(), ServiceHttpOptions.UNSET);
		properties.getServices().forEach((key, service) -> {
			services.add(target(key, service, defaultStrategy));
			http.put(key, ServiceHttpOptions.of("connbalance.services." + key, service, defaultHttp));
			balancing.put(key, options("connbalance.services." + key, service, defaultOptions));
		});
		checkDataSources(properties.getDatasources(), properties.getServices());
		Duration poolAcquireTimeout = properties.getHttp().getPoolAcquireTimeout();
		if (poolAcquireTimeout == null || poolAcquireTimeout.isZero() || poolAcquireTimeout.isNegative()) {
			throw new InvalidConfigurationException("connbalance.http.pool-acquire-timeout",
					"must be positive, was " + poolAcquireTimeout, "Set a duration such as 5s.");
		}
		Duration drainTimeout = properties.getGrpc().getDrainTimeout();
		if (drainTimeout == null || drainTimeout.isZero() || drainTimeout.isNegative()) {
			throw new InvalidConfigurationException("connbalance.grpc.drain-timeout",
					"must be positive, was " + drainTimeout, "Set a duration such as 30s.");
		}
		Duration window = properties.getStats().getWindow();
		if (window == null || window.toSeconds() < 1) {
			throw new InvalidConfigurationException("connbalance.stats.window", "must be at least 1s, was " + window,
					"Set a duration such as 30s.");
		}
		return new ConnbalanceSettings(interval, services, balancing, http,
				properties.getHttp().getMaxConnectionsPerPod(), poolAcquireTimeout, watchTimeout, drainTimeout, window);
	}

	private static BalancingOptions options(String prefix, ConnbalanceProperties.Service service,
			BalancingOptions defaults) {
		OutlierEjection ejection = ejection(prefix + ".outlier-ejection", service.getOutlierEjection(),
				defaults.outlierEjection());
		Duration slowStart = (service.getSlowStart() != null)
				? slowStart(prefix + ".slow-start", service.getSlowStart()) : defaults.slowStart();
		int retries = (service.getRetries() != null) ? retries(prefix + ".retries", service.getRetries())
				: defaults.retries();
		Locality locality = (service.getLocality() != null) ? locality(prefix + ".locality", service.getLocality())
				: defaults.locality();
		int subsetSize = (service.getSubsetSize() != null)
				? subsetSize(prefix + ".subset-size", service.getSubsetSize()) : defaults.subsetSize();
		return new BalancingOptions(ejection, slowStart, retries, locality, subsetSize);
	}

	private static Locality locality(String property, String value) {
		Locality locality = Locality.of((value != null) ? value.trim() : null);
		if (locality == null) {
			throw new InvalidConfigurationException(property, "unknown locality '" + value + "'",
					"Use one of: " + String.join(", ", Locality.names()) + ".");
		}
		return locality;
	}

	private static int subsetSize(String property, int value) {
		if (value < 0) {
			throw new InvalidConfigurationException(property, "must be 0 (every pod) or positive, was " + value,
					"Set a size such as 20, or 0 to use every pod.");
		}
		return value;
	}

	private static Duration slowStart(String property, Duration value) {
		if (value == null || value.isNegative()) {
			throw new InvalidConfigurationException(property, "must be zero or positive, was " + value,
					"Set a window such as 30s, or 0s for no slow start.");
		}
		return value;
	}

	private static int retries(String property, int value) {
		if (value < 0 || value > 10) {
			throw new InvalidConfigurationException(property, "must be between 0 and 10, was " + value,
					"Set 1 to retry once on another pod, or 0 for no retries.");
		}
		return value;
	}

	private static OutlierEjection ejection(String prefix, ConnbalanceProperties.OutlierEjection properties,
			OutlierEjection defaults) {
		int failures = (properties.getConsecutiveFailures() != null) ? properties.getConsecutiveFailures()
				: defaults.consecutiveFailures();
		if (failures < 0) {
			throw new InvalidConfigurationException(prefix + ".consecutive-failures",
					"must be zero or positive, was " + failures, "Set a count such as 5, or 0 for no ejection.");
		}
		Duration base = (properties.getBaseEjectionTime() != null) ? properties.getBaseEjectionTime()
				: defaults.baseEjectionTime();
		if (base.isZero() || base.isNegative()) {
			throw new InvalidConfigurationException(prefix + ".base-ejection-time", "must be positive, was " + base,
					"Set a duration such as 30s.");
		}
		Duration max = (properties.getMaxEjectionTime() != null) ? properties.getMaxEjectionTime()
				: defaults.maxEjectionTime();
		if (max.compareTo(base) < 0) {
			throw new InvalidConfigurationException(prefix + ".max-ejection-time",
					"must not be shorter than the base ejection time " + base + ", was " + max,
					"Set a duration such as 5m.");
		}
		int maxPercent = percent(prefix + ".max-ejected-percent", properties.getMaxEjectedPercent(),
				defaults.maxEjectedPercent());
		int panic = percent(prefix + ".panic-threshold", properties.getPanicThreshold(), defaults.panicThreshold());
		return new OutlierEjection(failures, base, max, maxPercent, panic);
	}

	private static int percent(String property, Integer value, int fallback) {
		int percent = (value != null) ? value : fallback;
		if (percent < 0 || percent > 100) {
			throw new InvalidConfigurationException(property, "must be between 0 and 100, was " + percent,
					"Set a percentage such as " + fallback + ".");
		}
		return percent;
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
