package io.connbalance.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of connbalance: the services to balance and how.
 */
@ConfigurationProperties("connbalance")
public class ConnbalanceProperties {

	/**
	 * Whether connbalance is enabled. When false, no part of it is configured.
	 */
	private boolean enabled = true;

	private final Refresh refresh = new Refresh();

	private final Defaults defaults = new Defaults();

	private final Http http = new Http();

	private final Kubernetes kubernetes = new Kubernetes();

	/**
	 * Services to balance, by logical name: requests for http://<name>/... and the gRPC
	 * target connbalance:///<name> go to this service's pods.
	 */
	private final Map<String, Service> services = new LinkedHashMap<>();

	/**
	 * Multi-host DataSources, one bean per entry, each keeping a pool per pod of a
	 * service.
	 */
	private final Map<String, DataSource> datasources = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Refresh getRefresh() {
		return this.refresh;
	}

	public Defaults getDefaults() {
		return this.defaults;
	}

	public Http getHttp() {
		return this.http;
	}

	public Kubernetes getKubernetes() {
		return this.kubernetes;
	}

	public Map<String, Service> getServices() {
		return this.services;
	}

	public Map<String, DataSource> getDatasources() {
		return this.datasources;
	}

	/**
	 * Pod list refresh.
	 */
	public static class Refresh {

		/**
		 * Time between scheduled refreshes of every service's pods. Discovery change
		 * events refresh sooner.
		 */
		private Duration interval = Duration.ofSeconds(5);

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

	}

	/**
	 * Settings applied to every service that does not override them.
	 */
	public static class Defaults {

		/**
		 * Balancing strategy: round-robin, or least-request (power of two choices over
		 * requests in flight, which also steers away from slow pods).
		 */
		private String strategy = "least-request";

		public String getStrategy() {
			return this.strategy;
		}

		public void setStrategy(String strategy) {
			this.strategy = strategy;
		}

	}

	/**
	 * The per-pod HTTP clients behind WebClient and RestClient. Timeouts come from
	 * spring.http.clients.*.
	 */
	public static class Http {

		/**
		 * Most keep-alive connections held open to one pod by each client kind.
		 */
		private int maxConnectionsPerPod = 50;

		public int getMaxConnectionsPerPod() {
			return this.maxConnectionsPerPod;
		}

		public void setMaxConnectionsPerPod(int maxConnectionsPerPod) {
			this.maxConnectionsPerPod = maxConnectionsPerPod;
		}

	}

	/**
	 * Discovery in a Kubernetes cluster (with spring-cloud-kubernetes-client-discovery).
	 */
	public static class Kubernetes {

		/**
		 * Whether to read pods from the EndpointSlices of each Service, watched so that
		 * changes apply within milliseconds, with terminating pods draining, pod names
		 * and zones. When false, or when the ServiceAccount may not read EndpointSlices,
		 * pods come from the DiscoveryClient (ready pods only, at each refresh).
		 */
		private boolean endpointSlices = true;

		public boolean isEndpointSlices() {
			return this.endpointSlices;
		}

		public void setEndpointSlices(boolean endpointSlices) {
			this.endpointSlices = endpointSlices;
		}

	}

	/**
	 * One service to balance.
	 */
	public static class Service {

		/**
		 * Discovery service id (the Kubernetes Service name). Defaults to the key.
		 */
		private String serviceId;

		/**
		 * Named port of the service to use (instance metadata port.<name>). Defaults to
		 * the port discovery reports.
		 */
		private String portName;

		/**
		 * Fixed port to use instead of the discovered one.
		 */
		private Integer port;

		/**
		 * Balancing strategy of this service. Defaults to connbalance.defaults.strategy.
		 */
		private String strategy;

		public String getServiceId() {
			return this.serviceId;
		}

		public void setServiceId(String serviceId) {
			this.serviceId = serviceId;
		}

		public String getPortName() {
			return this.portName;
		}

		public void setPortName(String portName) {
			this.portName = portName;
		}

		public Integer getPort() {
			return this.port;
		}

		public void setPort(Integer port) {
			this.port = port;
		}

		public String getStrategy() {
			return this.strategy;
		}

		public void setStrategy(String strategy) {
			this.strategy = strategy;
		}

	}

	/**
	 * One multi-host DataSource.
	 */
	public static class DataSource {

		/**
		 * Key of the connbalance.services entry whose pods are the database hosts.
		 */
		private String service;

		/**
		 * JDBC URL template; {host} and {port} are filled in per pod.
		 */
		private String url;

		/**
		 * Database user name.
		 */
		private String username;

		/**
		 * Database password.
		 */
		private String password;

		/**
		 * Size of the connection pool kept for each pod.
		 */
		private int poolSizePerPod = 4;

		/**
		 * How long a borrow waits for one pod's pool before it tries another pod.
		 */
		private Duration connectionTimeout = Duration.ofSeconds(5);

		public String getService() {
			return this.service;
		}

		public void setService(String service) {
			this.service = service;
		}

		public String getUrl() {
			return this.url;
		}

		public void setUrl(String url) {
			this.url = url;
		}

		public String getUsername() {
			return this.username;
		}

		public void setUsername(String username) {
			this.username = username;
		}

		public String getPassword() {
			return this.password;
		}

		public void setPassword(String password) {
			this.password = password;
		}

		public int getPoolSizePerPod() {
			return this.poolSizePerPod;
		}

		public void setPoolSizePerPod(int poolSizePerPod) {
			this.poolSizePerPod = poolSizePerPod;
		}

		public Duration getConnectionTimeout() {
			return this.connectionTimeout;
		}

		public void setConnectionTimeout(Duration connectionTimeout) {
			this.connectionTimeout = connectionTimeout;
		}

	}

}
