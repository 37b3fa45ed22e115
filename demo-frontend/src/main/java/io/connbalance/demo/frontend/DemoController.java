package io.connbalance.demo.frontend;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

import io.connbalance.actuate.ConnbalanceEndpoint;
import io.connbalance.actuate.ConnbalanceEndpoint.PodDescriptor;
import io.connbalance.actuate.ConnbalanceEndpoint.ServiceDescriptor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the dashboard shows, and its buttons.
 */
@RestController
class DemoController {

	private final DemoStats stats;

	private final ConnbalanceEndpoint endpoint;

	private final ObjectProvider<LocalPods> localPods;

	private final DemoSessions sessions;

	private final double capacityPerPod;

	DemoController(DemoStats stats, DemoSessions sessions, ConnbalanceEndpoint endpoint,
			ObjectProvider<LocalPods> localPods, @Value("${demo.capacity.per-pod:10}") double capacityPerPod) {
		this.stats = stats;
		this.sessions = sessions;
		this.endpoint = endpoint;
		this.localPods = localPods;
		this.capacityPerPod = capacityPerPod;
	}

	/**
	 * Per client kind: each pod's answers in the last seconds, its share, its open
	 * connections and state (from connbalance's endpoint), and the imbalance.
	 * @return the figures
	 */
	@GetMapping("/demo/stats")
	Stats stats() {
		Map<ClientKind, Map<String, Long>> recent = this.stats.recent();
		Map<ClientKind, Map<String, long[]>> history = this.stats.history();
		Map<ClientKind, Double> rates = this.stats.rates();
		List<KindStats> kinds = new ArrayList<>();
		for (ClientKind kind : ClientKind.values()) {
			// the replicas serve queries as fast as they can: no capacity to show
			double capacity = (kind != ClientKind.JDBC) ? readyPods(kind.service()) * this.capacityPerPod : -1;
			kinds.add(panel(kind.id(), kind.service(), recent.get(kind), this.stats.failures(kind),
					(pod) -> connections(kind, pod), history.get(kind), rates.get(kind), capacity));
		}
		kinds.add(sessions("websocket", true));
		kinds.add(sessions("naiveWebsocket", false));
		LocalPods local = this.localPods.getIfAvailable();
		return new Stats(DemoStats.WINDOW_SECONDS, DemoStats.HISTORY_SECONDS, local != null && local.canAdd(), kinds);
	}

	/**
	 * The WebSocket sessions open on each pod, as one more panel: its "answers" are the
	 * sessions open now, and its rates each pod's sessions at each second.
	 */
	private KindStats sessions(String id, boolean balanced) {
		return panel(id, "backend", this.sessions.sessions(balanced), 0,
				(pod) -> balanced ? pod.connections().websocket() : -1, this.sessions.history(balanced), -1, -1);
	}

	/** The pods of a service in rotation now: what the pods can serve together. */
	private long readyPods(String serviceKey) {
		ServiceDescriptor service = this.endpoint.service(serviceKey);
		return (service != null) ? service.pods().stream().filter((pod) -> pod.state().equals("ready")).count() : 0;
	}

	/**
	 * One panel: each pod of the service (from connbalance's endpoint) with its count,
	 * share, connections and state, pods no longer in the service marked gone, and the
	 * imbalance over the ready pods.
	 */
	private KindStats panel(String id, String serviceKey, Map<String, Long> counts, long failures,
			ToIntFunction<PodDescriptor> connections, Map<String, long[]> rates, double rate, double capacity) {
		ServiceDescriptor service = this.endpoint.service(serviceKey);
		Map<String, PodStats> pods = new TreeMap<>();
		if (service != null) {
			for (PodDescriptor pod : service.pods()) {
				pods.put(pod.name(), new PodStats(pod.name(), 0, 0, connections.applyAsInt(pod), pod.state()));
			}
		}
		long total = counts.values().stream().mapToLong(Long::longValue).sum();
		double largest = 0;
		for (Map.Entry<String, Long> count : counts.entrySet()) {
			double share = (total > 0) ? (double) count.getValue() / total : 0;
			largest = Math.max(largest, share);
			PodStats known = pods.get(count.getKey());
			pods.put(count.getKey(), new PodStats(count.getKey(), count.getValue(), round(share),
					(known != null) ? known.connections() : -1, (known != null) ? known.state() : "gone"));
		}
		long ready = pods.values().stream().filter((pod) -> pod.state().equals("ready")).count();
		double imbalance = (total > 0) ? round(largest * Math.max(1, ready)) : 1.0;
		return new KindStats(id, serviceKey, total, failures, imbalance, List.copyOf(pods.values()), rates, round(rate),
				round(capacity));
	}

	private static int connections(ClientKind kind, PodDescriptor pod) {
		return switch (kind) {
			case WEB_CLIENT, REST_CLIENT -> pod.connections().http();
			case GRPC -> pod.connections().grpc();
			case JDBC -> pod.connections().jdbc();
			case NAIVE -> -1;
		};
	}

	@PostMapping("/demo/pods")
	ResponseEntity<Map<String, String>> addPod() throws IOException, InterruptedException {
		LocalPods local = this.localPods.getIfAvailable();
		if (local == null || !local.canAdd()) {
			return ResponseEntity.status(HttpStatus.CONFLICT)
				.body(Map.of("error", "Pods are added here only in local runs (demo.sh); in a cluster: "
						+ "kubectl scale deployment/backend --replicas=4"));
		}
		return ResponseEntity.ok(Map.of("added", local.add()));
	}

	@DeleteMapping("/demo/pods")
	ResponseEntity<Map<String, String>> removePod() {
		LocalPods local = this.localPods.getIfAvailable();
		if (local == null) {
			return ResponseEntity.status(HttpStatus.CONFLICT)
				.body(Map.of("error", "Pods are removed here only in local runs (demo.sh)"));
		}
		String removed = local.remove();
		if (removed == null) {
			return ResponseEntity.status(HttpStatus.CONFLICT).body(Map.of("error", "The last pod stays"));
		}
		return ResponseEntity.ok(Map.of("removed", removed));
	}

	private static double round(double value) {
		return Math.round(value * 1000) / 1000.0;
	}

	record Stats(int windowSeconds, int historySeconds, boolean canAddPods, List<KindStats> kinds) {
	}

	/**
	 * One client kind.
	 *
	 * @param id its name
	 * @param service the connbalance service key
	 * @param total answers in the window
	 * @param failures failed requests since startup
	 * @param imbalance the largest share over the fair share
	 * @param pods each pod in the window
	 * @param rates each pod's answers per second over the history, oldest first
	 * @param rate answers a second over the last few seconds, or -1 (sessions)
	 * @param capacity what the pods in rotation can serve this client a second, or -1
	 * when not limited
	 */
	record KindStats(String id, String service, long total, long failures, double imbalance, List<PodStats> pods,
			Map<String, long[]> rates, double rate, double capacity) {
	}

	/**
	 * One pod as one client kind sees it.
	 *
	 * @param name the pod name
	 * @param answers its answers in the window
	 * @param share its share of them
	 * @param connections its open connections of this kind, -1 when unknown
	 * @param state ready, draining, ejected, or gone (no longer in the service)
	 */
	record PodStats(String name, long answers, double share, int connections, String state) {
	}

}
