package io.connbalance.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.CoreV1EndpointPort;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointAddress;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointHints;
import io.kubernetes.client.openapi.models.V1ForNode;
import io.kubernetes.client.openapi.models.V1ForZone;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSubset;
import io.kubernetes.client.openapi.models.V1Endpoints;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.kubernetes.client.util.ClientBuilder;

/**
 * A Kubernetes API server standing in for a real one on a loopback port: list and
 * streamed (chunked) watch of Services, Endpoints and EndpointSlices, with resource
 * versions, label selectors, and a watch history from which a watch resumes; a slice
 * without endpoints has {@code "endpoints": null}, as up to Kubernetes 1.35. Tests change
 * objects and inject the failures of a real API: an outage (the port closes and later
 * opens again), watches that end, resource versions that are gone ({@code 410}) and
 * missing RBAC permissions ({@code 403}).
 */
public final class KubernetesApiStandIn implements AutoCloseable {

	static {
		// The JDK's HTTP server reads this once, when the first server of the JVM starts:
		// pod servers started after this one need it too (see PodServer).
		System.setProperty("sun.net.httpserver.nodelay", "true");
	}

	private static final String DISCOVERY_V1 = "discovery.k8s.io/v1";

	private static final String POISON = "";

	private final Object lock = new Object();

	/** Objects by resource ("services") and "namespace/name". */
	private final Map<String, Map<String, JsonObject>> objects = new HashMap<>();

	private final List<Event> history = new ArrayList<>();

	private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

	private final Set<String> forbidden = ConcurrentHashMap.newKeySet();

	private final Map<String, AtomicInteger> lists = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> watches = new ConcurrentHashMap<>();

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private volatile boolean frozen;

	private long resourceVersion = 100;

	/** Watches from a resource version below this get 410 Gone. */
	private long oldestVersion;

	private final int port;

	private HttpServer server;

	private KubernetesApiStandIn(int port) throws IOException {
		this.server = bind(port);
		this.port = this.server.getAddress().getPort();
	}

	/**
	 * Starts a stand-in on 127.0.0.1 and a free port.
	 * @return the running server
	 * @throws IOException if it cannot bind
	 */
	public static KubernetesApiStandIn start() throws IOException {
		return new KubernetesApiStandIn(0);
	}

	private HttpServer bind(int port) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
		server.createContext("/", this::handle);
		server.setExecutor(this.executor);
		server.start();
		return server;
	}

	/**
	 * A client for this server, as an application would build one from its kubeconfig.
	 * @return the client
	 */
	public ApiClient client() {
		return new ClientBuilder().setBasePath("http://127.0.0.1:" + this.port).setVerifyingSsl(false).build();
	}

	/**
	 * Creates or replaces an object (a watch sees ADDED or MODIFIED).
	 * @param object a Service, Endpoints or EndpointSlice with namespace and name
	 */
	public void apply(KubernetesObject object) {
		String resource = resource(object);
		JsonObject json = JsonParser.parseString(JSON.serialize(object)).getAsJsonObject();
		if (resource.equals("endpointslices") && json.has("endpoints") && json.getAsJsonArray("endpoints").isEmpty()) {
			// as API servers up to Kubernetes 1.35 serialise a slice without endpoints
			json.add("endpoints", JsonNull.INSTANCE);
		}
		json.addProperty("apiVersion", resource.equals("endpointslices") ? DISCOVERY_V1 : "v1");
		json.addProperty("kind", kind(resource));
		String key = object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
		synchronized (this.lock) {
			boolean exists = this.objects.computeIfAbsent(resource, (r) -> new LinkedHashMap<>()).containsKey(key);
			json.getAsJsonObject("metadata").addProperty("resourceVersion", String.valueOf(++this.resourceVersion));
			this.objects.get(resource).put(key, json);
			publish(new Event(resource, exists ? "MODIFIED" : "ADDED", this.resourceVersion, json));
		}
	}

	/**
	 * Deletes an object (a watch sees DELETED).
	 * @param resource {@code services}, {@code endpoints} or {@code endpointslices}
	 * @param namespace its namespace
	 * @param name its name
	 */
	public void delete(String resource, String namespace, String name) {
		synchronized (this.lock) {
			JsonObject json = this.objects.getOrDefault(resource, Map.of()).remove(namespace + "/" + name);
			if (json != null) {
				json = json.deepCopy();
				json.getAsJsonObject("metadata").addProperty("resourceVersion", String.valueOf(++this.resourceVersion));
				publish(new Event(resource, "DELETED", this.resourceVersion, json));
			}
		}
	}

	/**
	 * Publishes the pods of a Service as Kubernetes does: the Service, its Endpoints
	 * (ready pods in {@code addresses}, others not ready in {@code notReadyAddresses},
	 * terminating ones left out) and its EndpointSlices named {@code <service>-0},
	 * {@code -1}, ... of at most {@code sliceSize} endpoints each (slices no longer
	 * needed are deleted).
	 * @param namespace the namespace
	 * @param service the Service name
	 * @param portName the name of its one port
	 * @param port the port number
	 * @param sliceSize the most endpoints in one slice
	 * @param endpoints the pods
	 */
	public void publish(String namespace, String service, String portName, int port, int sliceSize,
			List<Endpoint> endpoints) {
		synchronized (this.lock) {
			if (!names("services", namespace).contains(service)) {
				apply(new V1Service().metadata(new V1ObjectMeta().namespace(namespace).name(service))
					.spec(new V1ServiceSpec().addPortsItem(new V1ServicePort().name(portName).port(80))));
			}
			V1EndpointSubset subset = new V1EndpointSubset()
				.addPortsItem(new CoreV1EndpointPort().name(portName).port(port));
			for (Endpoint endpoint : endpoints) {
				if (!endpoint.terminating()) {
					V1EndpointAddress address = new V1EndpointAddress().ip(endpoint.ip())
						.targetRef(new V1ObjectReference().kind("Pod").namespace(namespace).name(endpoint.pod()));
					if (endpoint.ready()) {
						subset.addAddressesItem(address);
					}
					else {
						subset.addNotReadyAddressesItem(address);
					}
				}
			}
			apply(new V1Endpoints().metadata(new V1ObjectMeta().namespace(namespace).name(service))
				.subsets(List.of(subset)));
			int slices = 0;
			for (int from = 0; from < endpoints.size() || slices == 0; from += sliceSize) {
				V1EndpointSlice slice = new V1EndpointSlice().addressType("IPv4")
					.metadata(new V1ObjectMeta().namespace(namespace)
						.name(service + "-" + slices++)
						.putLabelsItem("kubernetes.io/service-name", service))
					.addPortsItem(new DiscoveryV1EndpointPort().name(portName).port(port).protocol("TCP"))
					.endpoints(new ArrayList<>());
				for (Endpoint endpoint : endpoints.subList(from, Math.min(endpoints.size(), from + sliceSize))) {
					slice.addEndpointsItem(new V1Endpoint().addAddressesItem(endpoint.ip())
						.zone(endpoint.zone())
						.nodeName(endpoint.node())
						.hints(endpoint.hints())
						.targetRef(new V1ObjectReference().kind("Pod").namespace(namespace).name(endpoint.pod()))
						.conditions(new V1EndpointConditions().ready(endpoint.ready() && !endpoint.terminating())
							.serving(endpoint.ready())
							.terminating(endpoint.terminating())));
				}
				apply(slice);
			}
			for (String name : names("endpointslices", namespace)) {
				if (name.startsWith(service + "-")
						&& Integer.parseInt(name.substring(service.length() + 1)) >= slices) {
					delete("endpointslices", namespace, name);
				}
			}
		}
	}

	/**
	 * One pod behind a Service.
	 *
	 * @param pod the pod name
	 * @param ip its address
	 * @param zone its zone, or {@code null}
	 * @param ready whether it passes its readiness probe
	 * @param terminating whether it is being deleted
	 * @param node its node, or {@code null}
	 * @param forZones the zones it is hinted for, empty for no hints
	 * @param forNodes the nodes it is hinted for, empty for no hints
	 */
	public record Endpoint(String pod, String ip, String zone, boolean ready, boolean terminating, String node,
			List<String> forZones, List<String> forNodes) {

		/**
		 * A pod without node or hints.
		 * @param pod the pod name
		 * @param ip its address
		 * @param zone its zone, or {@code null}
		 * @param ready whether it passes its readiness probe
		 * @param terminating whether it is being deleted
		 */
		public Endpoint(String pod, String ip, String zone, boolean ready, boolean terminating) {
			this(pod, ip, zone, ready, terminating, null, List.of(), List.of());
		}

		/**
		 * The same pod, hinted for zones ({@code trafficDistribution: PreferSameZone}).
		 * @param zones the zones
		 * @return the endpoint
		 */
		public Endpoint hintedFor(String... zones) {
			return new Endpoint(this.pod, this.ip, this.zone, this.ready, this.terminating, this.node, List.of(zones),
					this.forNodes);
		}

		/**
		 * The same pod on a node, hinted for it ({@code PreferSameNode}).
		 * @param node the node
		 * @return the endpoint
		 */
		public Endpoint onNodeHinted(String node) {
			return new Endpoint(this.pod, this.ip, this.zone, this.ready, this.terminating, node, this.forZones,
					List.of(node));
		}

		V1EndpointHints hints() {
			if (this.forZones.isEmpty() && this.forNodes.isEmpty()) {
				return null;
			}
			V1EndpointHints hints = new V1EndpointHints();
			this.forZones.forEach((zone) -> hints.addForZonesItem(new V1ForZone().name(zone)));
			this.forNodes.forEach((node) -> hints.addForNodesItem(new V1ForNode().name(node)));
			return hints;
		}

		/**
		 * A ready pod of a test server.
		 * @param pod the server
		 * @param zone its zone
		 * @return the endpoint
		 */
		public static Endpoint of(TestPod pod, String zone) {
			return new Endpoint(pod.name(), pod.host(), zone, true, false);
		}

		/**
		 * The same pod, being deleted: no longer ready, still serving.
		 * @return the endpoint
		 */
		public Endpoint asTerminating() {
			return new Endpoint(this.pod, this.ip, this.zone, true, true, this.node, this.forZones, this.forNodes);
		}

		/**
		 * The same pod, passing its readiness probe.
		 * @return the endpoint
		 */
		public Endpoint asReady() {
			return new Endpoint(this.pod, this.ip, this.zone, true, false, this.node, this.forZones, this.forNodes);
		}

		/**
		 * The same pod, failing its readiness probe.
		 * @return the endpoint
		 */
		public Endpoint asNotReady() {
			return new Endpoint(this.pod, this.ip, this.zone, false, false, this.node, this.forZones, this.forNodes);
		}

	}

	private void publish(Event event) {
		this.history.add(event);
		for (Watcher watcher : this.watchers) {
			if (watcher.matches(event)) {
				watcher.lines.add(event.line());
			}
		}
	}

	/**
	 * Names of the objects of a resource in a namespace.
	 * @param resource such as {@code endpointslices}
	 * @param namespace the namespace
	 * @return their names
	 */
	public List<String> names(String resource, String namespace) {
		synchronized (this.lock) {
			return this.objects.getOrDefault(resource, Map.of())
				.keySet()
				.stream()
				.filter((key) -> key.startsWith(namespace + "/"))
				.map((key) -> key.substring(namespace.length() + 1))
				.toList();
		}
	}

	/**
	 * Answers 403 Forbidden to every request for a resource, as without RBAC permission.
	 * @param resource such as {@code endpointslices}
	 */
	public void forbid(String resource) {
		this.forbidden.add(resource);
	}

	/**
	 * Ends every open watch, as an API server does when its watch times out.
	 */
	public void endWatches() {
		this.watchers.forEach((watcher) -> watcher.lines.add(POISON));
	}

	/**
	 * Forgets the watch history: open watches get a {@code 410 Gone} error event and end,
	 * and a watch from any resource version seen so far gets the same, so clients must
	 * list again.
	 */
	public void expireHistory() {
		synchronized (this.lock) {
			this.oldestVersion = this.resourceVersion + 1;
			this.history.clear();
			for (Watcher watcher : this.watchers) {
				watcher.lines.add(gone());
				watcher.lines.add(POISON);
			}
		}
	}

	/**
	 * Stops answering: open watches end and the port closes (connections are refused).
	 */
	public void stop() {
		HttpServer server;
		synchronized (this.lock) {
			server = this.server;
			this.server = null;
		}
		if (server != null) {
			endWatches();
			server.stop(0);
		}
	}

	/**
	 * Stops answering without a word, as an API server behind a partition or on a frozen
	 * node: connections are still accepted, but requests get no response and open watches
	 * no more events, until {@link #thaw()}.
	 */
	public void freeze() {
		this.frozen = true;
	}

	/**
	 * Answers again after {@link #freeze()}: held requests and events go out.
	 */
	public void thaw() {
		this.frozen = false;
	}

	/**
	 * Answers again, on the same port, with every object as it is now.
	 * @throws IOException if the port cannot be bound again
	 */
	public void restart() throws IOException {
		synchronized (this.lock) {
			if (this.server == null) {
				this.server = bind(this.port);
			}
		}
	}

	/**
	 * How many lists of a resource were answered.
	 * @param resource such as {@code endpointslices}
	 * @return the count
	 */
	public int lists(String resource) {
		return this.lists.computeIfAbsent(resource, (r) -> new AtomicInteger()).get();
	}

	/**
	 * How many watches of a resource were opened.
	 * @param resource such as {@code endpointslices}
	 * @return the count
	 */
	public int watches(String resource) {
		return this.watches.computeIfAbsent(resource, (r) -> new AtomicInteger()).get();
	}

	@Override
	public void close() {
		stop();
		this.executor.shutdownNow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try {
			awaitThaw();
			Request request = Request.parse(exchange);
			if (request == null || !exchange.getRequestMethod().equals("GET")) {
				status(exchange, 404, "NotFound", "no such path: " + exchange.getRequestURI());
				return;
			}
			if (this.forbidden.contains(request.resource())) {
				status(exchange, 403, "Forbidden", request.resource() + " is forbidden: User cannot list resource \""
						+ request.resource() + "\" in namespace \"" + request.namespace() + "\"");
				return;
			}
			if (request.name() != null) {
				JsonObject json;
				synchronized (this.lock) {
					json = this.objects.getOrDefault(request.resource(), Map.of())
						.get(request.namespace() + "/" + request.name());
				}
				if (json == null) {
					status(exchange, 404, "NotFound", request.resource() + " \"" + request.name() + "\" not found");
				}
				else {
					write(exchange, 200, json.toString());
				}
				return;
			}
			if (request.watch()) {
				watch(exchange, request);
			}
			else {
				list(exchange, request);
			}
		}
		finally {
			exchange.close();
		}
	}

	private void list(HttpExchange exchange, Request request) throws IOException {
		this.lists.computeIfAbsent(request.resource(), (r) -> new AtomicInteger()).incrementAndGet();
		JsonObject list = new JsonObject();
		JsonArray items = new JsonArray();
		synchronized (this.lock) {
			for (JsonObject json : this.objects.getOrDefault(request.resource(), Map.of()).values()) {
				if (request.matches(json)) {
					items.add(json);
				}
			}
			list.addProperty("apiVersion", request.resource().equals("endpointslices") ? DISCOVERY_V1 : "v1");
			list.addProperty("kind", kind(request.resource()) + "List");
			JsonObject metadata = new JsonObject();
			metadata.addProperty("resourceVersion", String.valueOf(this.resourceVersion));
			list.add("metadata", metadata);
		}
		list.add("items", items);
		write(exchange, 200, list.toString());
	}

	private void watch(HttpExchange exchange, Request request) throws IOException {
		this.watches.computeIfAbsent(request.resource(), (r) -> new AtomicInteger()).incrementAndGet();
		Watcher watcher = new Watcher(request);
		synchronized (this.lock) {
			if (request.resourceVersion() < this.oldestVersion) {
				watcher.lines.add(gone());
				watcher.lines.add(POISON);
			}
			else {
				for (Event event : this.history) {
					if (event.version() > request.resourceVersion() && watcher.matches(event)) {
						watcher.lines.add(event.line());
					}
				}
			}
			this.watchers.add(watcher);
		}
		try {
			exchange.getResponseHeaders().add("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, 0);
			OutputStream body = exchange.getResponseBody();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(request.timeoutSeconds());
			while (System.nanoTime() - deadline < 0) {
				awaitThaw();
				String line = watcher.lines.poll(100, TimeUnit.MILLISECONDS);
				if (POISON.equals(line)) {
					break;
				}
				if (line != null) {
					body.write((line + "\n").getBytes(StandardCharsets.UTF_8));
					body.flush();
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (IOException ex) {
			// the client went away
		}
		finally {
			this.watchers.remove(watcher);
		}
	}

	private void awaitThaw() {
		while (this.frozen && this.server != null) {
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private static String gone() {
		JsonObject status = statusJson(410, "Expired", "too old resource version");
		JsonObject event = new JsonObject();
		event.addProperty("type", "ERROR");
		event.add("object", status);
		return event.toString();
	}

	private static void status(HttpExchange exchange, int code, String reason, String message) throws IOException {
		write(exchange, code, statusJson(code, reason, message).toString());
	}

	private static JsonObject statusJson(int code, String reason, String message) {
		JsonObject status = new JsonObject();
		status.addProperty("apiVersion", "v1");
		status.addProperty("kind", "Status");
		status.addProperty("status", "Failure");
		status.addProperty("message", message);
		status.addProperty("reason", reason);
		status.addProperty("code", code);
		return status;
	}

	private static void write(HttpExchange exchange, int code, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", "application/json");
		exchange.sendResponseHeaders(code, bytes.length);
		exchange.getResponseBody().write(bytes);
	}

	private static String resource(KubernetesObject object) {
		if (object instanceof V1Service) {
			return "services";
		}
		if (object instanceof V1Endpoints) {
			return "endpoints";
		}
		if (object instanceof V1EndpointSlice) {
			return "endpointslices";
		}
		throw new IllegalArgumentException("Not served here: " + object.getClass().getSimpleName());
	}

	private static String kind(String resource) {
		return switch (resource) {
			case "services" -> "Service";
			case "endpoints" -> "Endpoints";
			case "endpointslices" -> "EndpointSlice";
			case "pods" -> "Pod";
			default -> resource;
		};
	}

	private record Event(String resource, String type, long version, JsonObject object) {

		String line() {
			JsonObject event = new JsonObject();
			event.addProperty("type", this.type);
			event.add("object", this.object);
			return event.toString();
		}

	}

	private static final class Watcher {

		private final Request request;

		private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

		Watcher(Request request) {
			this.request = request;
		}

		boolean matches(Event event) {
			return event.resource().equals(this.request.resource()) && this.request.matches(event.object());
		}

	}

	/**
	 * A list or watch request: {@code /api/v1/namespaces/{ns}/{resource}[/{name}]},
	 * {@code /apis/discovery.k8s.io/v1/namespaces/{ns}/{resource}[/{name}]}, or the same
	 * without the namespace (all namespaces).
	 */
	private record Request(String resource, String namespace, String name, boolean watch, long resourceVersion,
			int timeoutSeconds, Map<String, List<String>> selector) {

		static Request parse(HttpExchange exchange) {
			String path = exchange.getRequestURI().getPath();
			String rest;
			if (path.startsWith("/api/v1/")) {
				rest = path.substring("/api/v1/".length());
			}
			else if (path.startsWith("/apis/" + DISCOVERY_V1 + "/")) {
				rest = path.substring(("/apis/" + DISCOVERY_V1 + "/").length());
			}
			else {
				return null;
			}
			String[] segments = rest.split("/");
			String namespace = null;
			int index = 0;
			if (segments.length >= 3 && segments[0].equals("namespaces")) {
				namespace = segments[1];
				index = 2;
			}
			if (segments.length <= index || segments.length > index + 2) {
				return null;
			}
			Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
			String version = query.getOrDefault("resourceVersion", "0");
			return new Request(segments[index], namespace, (segments.length == index + 2) ? segments[index + 1] : null,
					"true".equals(query.get("watch")) || "1".equals(query.get("watch")),
					version.isEmpty() ? 0 : Long.parseLong(version),
					Integer.parseInt(query.getOrDefault("timeoutSeconds", "300")),
					selector(query.get("labelSelector")));
		}

		boolean matches(JsonObject object) {
			JsonObject metadata = object.getAsJsonObject("metadata");
			if (this.namespace != null && !this.namespace.equals(metadata.get("namespace").getAsString())) {
				return false;
			}
			JsonObject labels = metadata.has("labels") ? metadata.getAsJsonObject("labels") : new JsonObject();
			for (Map.Entry<String, List<String>> term : this.selector.entrySet()) {
				if (!labels.has(term.getKey()) || !term.getValue().contains(labels.get(term.getKey()).getAsString())) {
					return false;
				}
			}
			return true;
		}

		private static Map<String, String> query(String raw) {
			Map<String, String> query = new HashMap<>();
			if (raw != null) {
				for (String pair : raw.split("&")) {
					int equals = pair.indexOf('=');
					if (equals > 0) {
						query.put(pair.substring(0, equals),
								URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
					}
				}
			}
			return query;
		}

		/**
		 * Parses {@code key=value}, {@code key==value} and {@code key in (a,b)} terms,
		 * separated by commas.
		 */
		private static Map<String, List<String>> selector(String selector) {
			Map<String, List<String>> terms = new LinkedHashMap<>();
			if (selector == null || selector.isBlank()) {
				return terms;
			}
			int depth = 0;
			int start = 0;
			List<String> parts = new ArrayList<>();
			for (int i = 0; i < selector.length(); i++) {
				char c = selector.charAt(i);
				depth += (c == '(') ? 1 : (c == ')') ? -1 : 0;
				if (c == ',' && depth == 0) {
					parts.add(selector.substring(start, i));
					start = i + 1;
				}
			}
			parts.add(selector.substring(start));
			for (String part : parts) {
				String term = part.trim();
				int in = term.indexOf(" in ");
				if (in > 0) {
					String values = term.substring(term.indexOf('(') + 1, term.lastIndexOf(')'));
					terms.put(term.substring(0, in).trim(),
							List.of(values.split(",")).stream().map(String::trim).toList());
				}
				else {
					String[] pair = term.split("==?", 2);
					terms.put(pair[0].trim(), List.of(pair[1].trim()));
				}
			}
			return terms;
		}

	}

}
