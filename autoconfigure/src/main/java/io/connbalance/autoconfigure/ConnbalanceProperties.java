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

	/**
	 * The zone this client runs in, for zone-aware routing. In Kubernetes it is learned
	 * from the EndpointSlice of the client's own pod when not set.
	 */
	private String zone;

	/**
	 * The node this client runs on, for node hints (PreferSameNode). In Kubernetes it is
	 * learned from the EndpointSlice of the client's own pod when not set; or set it from
	 * the downward API (spec.nodeName).
	 */
	private String nodeName;

	private final Refresh refresh = new Refresh();

	private final Defaults defaults = new Defaults();

	private final Http http = new Http();

	private final Grpc grpc = new Grpc();

	private final Kubernetes kubernetes = new Kubernetes();

	private final Stats stats = new Stats();

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

	public String getZone() {
		return this.zone;
	}

	public void setZone(String zone) {
		this.zone = zone;
	}

	public String getNodeName() {
		return this.nodeName;
	}

	public void setNodeName(String nodeName) {
		this.nodeName = nodeName;
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

	public Grpc getGrpc() {
		return this.grpc;
	}

	public Kubernetes getKubernetes() {
		return this.kubernetes;
	}

	public Stats getStats() {
		return this.stats;
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
		 * Balancing strategy: round-robin, least-request (power of two choices over
		 * requests in flight, which also steers away from slow pods), or peak-ewma (power
		 * of two choices over response time x (requests in flight + 1)).
		 */
		private String strategy = "least-request";

		/**
		 * Which pods to prefer by where they run: hints (as kube-proxy: the endpoints the
		 * Service's EndpointSlices hint for this client's node or zone, when every
		 * endpoint has hints), prefer-zone (the pods in this client's zone, whatever the
		 * Service says), or off. Requests spill to other zones when too few local pods
		 * are usable.
		 */
		private String locality = "hints";

		/**
		 * The most pods of a service this client uses and connects to (within its
		 * locality); 0 for every pod. Deterministic aperture when the client knows its
		 * peers, else a random subset of its own.
		 */
		private int subsetSize;

		public String getLocality() {
			return this.locality;
		}

		public void setLocality(String locality) {
			this.locality = locality;
		}

		public int getSubsetSize() {
			return this.subsetSize;
		}

		public void setSubsetSize(int subsetSize) {
			this.subsetSize = subsetSize;
		}

		/**
		 * Window over which a pod that joins a running service ramps up from 10% to its
		 * full share of requests. 0 turns slow start off.
		 */
		private Duration slowStart = Duration.ZERO;

		/**
		 * How many times a request whose connection failed before a response is sent
		 * again to another pod: any request that could not connect, and idempotent HTTP
		 * requests (GET, HEAD, OPTIONS, PUT, DELETE) whose connection failed after they
		 * were sent. 0 turns retries off.
		 */
		private int retries = 1;

		/**
		 * Taking pods that keep failing out of rotation for a while.
		 */
		private final OutlierEjection outlierEjection = OutlierEjection.defaults();

		/**
		 * Connect timeout of pod connections (HTTP). Defaults to
		 * spring.http.clients.connect-timeout, else 1s: within a cluster a connect takes
		 * well under a millisecond, and a request that cannot connect is sent to another
		 * pod.
		 */
		private Duration connectTimeout;

		/**
		 * How long an HTTP request waits for its response. Defaults to
		 * spring.http.clients.read-timeout, else no limit.
		 */
		private Duration readTimeout;

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public Duration getReadTimeout() {
			return this.readTimeout;
		}

		public void setReadTimeout(Duration readTimeout) {
			this.readTimeout = readTimeout;
		}

		public String getStrategy() {
			return this.strategy;
		}

		public void setStrategy(String strategy) {
			this.strategy = strategy;
		}

		public Duration getSlowStart() {
			return this.slowStart;
		}

		public void setSlowStart(Duration slowStart) {
			this.slowStart = slowStart;
		}

		public int getRetries() {
			return this.retries;
		}

		public void setRetries(int retries) {
			this.retries = retries;
		}

		public OutlierEjection getOutlierEjection() {
			return this.outlierEjection;
		}

	}

	/**
	 * Outlier ejection: a pod that fails several requests in a row (connection errors,
	 * timeouts, HTTP 5xx, gRPC UNAVAILABLE, INTERNAL, DATA_LOSS or DEADLINE_EXCEEDED
	 * before it answered) takes no requests for a while. Under connbalance.defaults it
	 * applies to every service; a service may override any field under
	 * connbalance.services.<key>.outlier-ejection.
	 */
	public static class OutlierEjection {

		/**
		 * Failures in a row that eject a pod. 0 turns ejection off.
		 */
		private Integer consecutiveFailures;

		/**
		 * How long a first ejection lasts; each ejection that follows soon after doubles
		 * it.
		 */
		private Duration baseEjectionTime;

		/**
		 * The longest ejection.
		 */
		private Duration maxEjectionTime;

		/**
		 * The largest share of a service's ready pods ejected at once, in percent (always
		 * at least one pod).
		 */
		private Integer maxEjectedPercent;

		/**
		 * Below this percentage of healthy pods the service is in panic: ejection is set
		 * aside and every ready pod takes requests.
		 */
		private Integer panicThreshold;

		static OutlierEjection defaults() {
			io.connbalance.balance.OutlierEjection defaults = io.connbalance.balance.OutlierEjection.DEFAULTS;
			OutlierEjection properties = new OutlierEjection();
			properties.consecutiveFailures = defaults.consecutiveFailures();
			properties.baseEjectionTime = defaults.baseEjectionTime();
			properties.maxEjectionTime = defaults.maxEjectionTime();
			properties.maxEjectedPercent = defaults.maxEjectedPercent();
			properties.panicThreshold = defaults.panicThreshold();
			return properties;
		}

		public Integer getConsecutiveFailures() {
			return this.consecutiveFailures;
		}

		public void setConsecutiveFailures(Integer consecutiveFailures) {
			this.consecutiveFailures = consecutiveFailures;
		}

		public Duration getBaseEjectionTime() {
			return this.baseEjectionTime;
		}

		public void setBaseEjectionTime(Duration baseEjectionTime) {
			this.baseEjectionTime = baseEjectionTime;
		}

		public Duration getMaxEjectionTime() {
			return this.maxEjectionTime;
		}

		public void setMaxEjectionTime(Duration maxEjectionTime) {
			this.maxEjectionTime = maxEjectionTime;
		}

		public Integer getMaxEjectedPercent() {
			return this.maxEjectedPercent;
		}

		public void setMaxEjectedPercent(Integer maxEjectedPercent) {
			this.maxEjectedPercent = maxEjectedPercent;
		}

		public Integer getPanicThreshold() {
			return this.panicThreshold;
		}

		public void setPanicThreshold(Integer panicThreshold) {
			this.panicThreshold = panicThreshold;
		}

	}

	/**
	 * The per-pod HTTP clients behind WebClient and RestClient. Timeouts are set under
	 * connbalance.defaults and per service.
	 */
	public static class Http {

		/**
		 * Most keep-alive connections held open to one pod by each client kind.
		 */
		private int maxConnectionsPerPod = 50;

		/**
		 * How long a request waits for a free connection of its pod's pool before it goes
		 * to another pod (a full pool is a busy pod, not a failing one).
		 */
		private Duration poolAcquireTimeout = Duration.ofSeconds(5);

		public Duration getPoolAcquireTimeout() {
			return this.poolAcquireTimeout;
		}

		public void setPoolAcquireTimeout(Duration poolAcquireTimeout) {
			this.poolAcquireTimeout = poolAcquireTimeout;
		}

		public int getMaxConnectionsPerPod() {
			return this.maxConnectionsPerPod;
		}

		public void setMaxConnectionsPerPod(int maxConnectionsPerPod) {
			this.maxConnectionsPerPod = maxConnectionsPerPod;
		}

	}

	/**
	 * The channels of {@code connbalance:///} targets.
	 */
	public static class Grpc {

		/**
		 * How long the calls still running on a pod that left the service's ready pods
		 * may go on before they are cancelled and the pod's connection closes (a hung pod
		 * would hold them forever). Calls are cancelled on channels with
		 * DrainDeadlineInterceptor, which Spring's channel factory adds to connbalance
		 * targets.
		 */
		private Duration drainTimeout = Duration.ofSeconds(30);

		public Duration getDrainTimeout() {
			return this.drainTimeout;
		}

		public void setDrainTimeout(Duration drainTimeout) {
			this.drainTimeout = drainTimeout;
		}

	}

	/**
	 * The statistics of the actuator endpoint.
	 */
	public static class Stats {

		/**
		 * The recent window over which the endpoint reports each pod's share and the
		 * service's imbalance: long enough to hold many requests at a modest rate, short
		 * enough that a scale-up or a drain shows soon (30s: within half a minute).
		 * Totals since startup stay under each pod's requests. At least 1s.
		 */
		private Duration window = Duration.ofSeconds(30);

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
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

		/**
		 * How long the API server keeps one watch of EndpointSlices open before it is
		 * opened again. A list or watch silent for one and a half times this long is
		 * taken as a stalled API server: the last known pods stay, the endpoint shows the
		 * services as stale, and the slices are listed again.
		 */
		private Duration watchTimeout = Duration.ofSeconds(60);

		/**
		 * This client's pod name, by which it finds its own endpoint in the
		 * EndpointSlices of its namespace to learn its zone, node and peers. Defaults to
		 * the HOSTNAME variable, which Kubernetes sets to the pod name.
		 */
		private String podName;

		public String getPodName() {
			return this.podName;
		}

		public void setPodName(String podName) {
			this.podName = podName;
		}

		public Duration getWatchTimeout() {
			return this.watchTimeout;
		}

		public void setWatchTimeout(Duration watchTimeout) {
			this.watchTimeout = watchTimeout;
		}

		public boolean isEndpointSlices() {
			return this.endpointSlices;
		}

		public void setEndpointSlices(boolean endpointSlices) {
			this.endpointSlices = endpointSlices;
		}

	}

	/**
	 * WebSocket sessions to the pods of a service (ws://<key>/..., wss://<key>/...).
	 */
	public static class Websocket {

		/**
		 * Whether pods holding more than their share of this client's sessions close
		 * their oldest ones (close code 1012, a few a second) when a pod joins, so that
		 * clients that reconnect land on it.
		 */
		private boolean rebalance;

		/**
		 * How long the sessions of a pod that left stay open before they close with 1001.
		 */
		private Duration drainTimeout = Duration.ofSeconds(30);

		public boolean isRebalance() {
			return this.rebalance;
		}

		public void setRebalance(boolean rebalance) {
			this.rebalance = rebalance;
		}

		public Duration getDrainTimeout() {
			return this.drainTimeout;
		}

		public void setDrainTimeout(Duration drainTimeout) {
			this.drainTimeout = drainTimeout;
		}

	}

	/**
	 * HTTP/2 to the pods of a service.
	 */
	public static class Http2 {

		/**
		 * Whether requests to the pods use HTTP/2: negotiated by ALPN over https, with
		 * prior knowledge (h2c) over http. One connection per pod carries concurrent
		 * requests.
		 */
		private boolean enabled;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
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

		/**
		 * Slow-start window of this service. Defaults to connbalance.defaults.slow-start.
		 */
		private Duration slowStart;

		/**
		 * Retries on another pod for this service. Defaults to
		 * connbalance.defaults.retries.
		 */
		private Integer retries;

		/**
		 * This service's locality: hints, prefer-zone or off.
		 */
		private String locality;

		/**
		 * The most pods of this service the client uses; 0 for every pod.
		 */
		private Integer subsetSize;

		public String getLocality() {
			return this.locality;
		}

		public void setLocality(String locality) {
			this.locality = locality;
		}

		public Integer getSubsetSize() {
			return this.subsetSize;
		}

		public void setSubsetSize(Integer subsetSize) {
			this.subsetSize = subsetSize;
		}

		/**
		 * Outlier ejection of this service; each field unset here comes from
		 * connbalance.defaults.outlier-ejection.
		 */
		private final OutlierEjection outlierEjection = new OutlierEjection();

		/**
		 * Connect timeout of this service's pod connections. Defaults to
		 * connbalance.defaults.connect-timeout.
		 */
		private Duration connectTimeout;

		/**
		 * Response timeout of this service's HTTP requests. Defaults to
		 * connbalance.defaults.read-timeout.
		 */
		private Duration readTimeout;

		/**
		 * Most connections held open to one pod of this service by each HTTP client kind.
		 * Defaults to connbalance.http.max-connections-per-pod, or 1 with HTTP/2.
		 */
		private Integer maxConnectionsPerPod;

		/**
		 * Name of the SSL bundle (spring.ssl.bundle.*) that https requests to this
		 * service's pods trust and present. Defaults to spring.http.clients.ssl.bundle,
		 * else the JVM's trust store.
		 */
		private String sslBundle;

		/**
		 * HTTP/2 to this service's pods.
		 */
		private final Http2 http2 = new Http2();

		/**
		 * WebSocket sessions to this service's pods.
		 */
		private final Websocket websocket = new Websocket();

		public Integer getMaxConnectionsPerPod() {
			return this.maxConnectionsPerPod;
		}

		public void setMaxConnectionsPerPod(Integer maxConnectionsPerPod) {
			this.maxConnectionsPerPod = maxConnectionsPerPod;
		}

		public String getSslBundle() {
			return this.sslBundle;
		}

		public void setSslBundle(String sslBundle) {
			this.sslBundle = sslBundle;
		}

		public Websocket getWebsocket() {
			return this.websocket;
		}

		public Http2 getHttp2() {
			return this.http2;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public Duration getReadTimeout() {
			return this.readTimeout;
		}

		public void setReadTimeout(Duration readTimeout) {
			this.readTimeout = readTimeout;
		}

		public Duration getSlowStart() {
			return this.slowStart;
		}

		public void setSlowStart(Duration slowStart) {
			this.slowStart = slowStart;
		}

		public Integer getRetries() {
			return this.retries;
		}

		public void setRetries(Integer retries) {
			this.retries = retries;
		}

		public OutlierEjection getOutlierEjection() {
			return this.outlierEjection;
		}

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
