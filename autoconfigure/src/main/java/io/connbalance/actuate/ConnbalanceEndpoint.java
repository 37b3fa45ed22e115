package io.connbalance.actuate;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.LongStream;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.connbalance.balance.BalancingOptions;
import io.connbalance.balance.OutlierEjection;
import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.ClientTopology.Placement;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodState;
import io.connbalance.pod.ServiceTarget;
import io.connbalance.refresh.PodRefresher;
import io.connbalance.refresh.RefreshStatus;
import io.connbalance.stats.ConnectionCounter;
import io.connbalance.stats.PodStats;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code /actuator/connbalance}: for each service, its pods and how connections and
 * requests are spread over them.
 */
@Endpoint(id = "connbalance")
public class ConnbalanceEndpoint {

	private final Map<String, ServiceTarget> targets;

	private final ServiceBalancers balancers;

	private final PodRefresher refresher;

	private final List<ConnectionCounter> counters;

	private final String window;

	private final Supplier<Placement> placement;

	/**
	 * Creates the endpoint.
	 * @param targets the configured services
	 * @param balancers the balancers
	 * @param refresher the refresher
	 * @param counters the connection counters of the client kinds present
	 * @param window the window of the shares, over which {@link ServiceBalancers#tick()}
	 * is called {@link PodStats#TICKS_PER_WINDOW} times
	 * @param placement where this client runs
	 */
	public ConnbalanceEndpoint(List<ServiceTarget> targets, ServiceBalancers balancers, PodRefresher refresher,
			List<ConnectionCounter> counters, Duration window, Supplier<Placement> placement) {
		Map<String, ServiceTarget> byKey = new TreeMap<>();
		targets.forEach((target) -> byKey.put(target.key(), target));
		this.targets = byKey;
		this.balancers = balancers;
		this.refresher = refresher;
		this.counters = List.copyOf(counters);
		this.window = window.toString();
		this.placement = placement;
	}

	/**
	 * Every service, sorted by key.
	 * @return the descriptor
	 */
	@ReadOperation
	public ServicesDescriptor services() {
		Map<String, ServiceDescriptor> services = new LinkedHashMap<>();
		this.targets.keySet().forEach((key) -> services.put(key, service(key)));
		Placement placement = this.placement.get();
		return new ServicesDescriptor(
				new ClientDescriptor(placement.zone(), placement.node(), placement.self(), placement.peers().size()),
				services);
	}

	/**
	 * One service.
	 * @param service the service key
	 * @return the descriptor, or {@code null} (404) for an unknown service
	 */
	@ReadOperation
	public ServiceDescriptor service(@Selector String service) {
		ServiceTarget target = this.targets.get(service);
		ServiceBalancer balancer = this.balancers.get(service);
		if (target == null || balancer == null) {
			return null;
		}
		List<PodStats> pods = balancer.pods();
		long[] recent = pods.stream().mapToLong(PodStats::recent).toArray();
		long total = LongStream.of(recent).sum();
		List<PodDescriptor> descriptors = new ArrayList<>(pods.size());
		double largestShare = 0;
		for (int i = 0; i < pods.size(); i++) {
			double share = (total > 0) ? (double) recent[i] / total : 0;
			largestShare = Math.max(largestShare, share);
			descriptors.add(pod(service, balancer, pods.get(i), recent[i], share));
		}
		// the fair share is that of the pods in rotation for this client: one that
		// drains,
		// is ejected, is outside its subset or (while local pods take the requests) in
		// another zone takes none
		long inRotation = pods.stream()
			.filter((pod) -> balancer.state(pod, this.counters) == PodState.READY && balancer.isInUse(pod)
					&& balancer.isLocal(pod))
			.count();
		double imbalance = (total > 0) ? largestShare * Math.max(1, inRotation) : 1.0;
		RefreshStatus status = this.refresher.status(service);
		Instant lastRefresh = (status.lastRefresh() != null) ? status.lastRefresh().truncatedTo(ChronoUnit.MILLIS)
				: null;
		return new ServiceDescriptor(target.serviceId(), balancer.strategy().name(), status.source(), lastRefresh,
				status.refreshes(), status.failing(), this.window, round(imbalance), descriptors, balancer.isPanic(),
				options(balancer.options()), balancer.options().locality().value(), balancer.options().subsetSize());
	}

	private static Options options(BalancingOptions options) {
		OutlierEjection ejection = options.outlierEjection();
		return new Options(options.slowStart().toString(), options.retries(),
				new Ejection(ejection.consecutiveFailures(), ejection.baseEjectionTime().toString(),
						ejection.maxEjectionTime().toString(), ejection.maxEjectedPercent(),
						ejection.panicThreshold()));
	}

	private PodDescriptor pod(String service, ServiceBalancer balancer, PodStats stats, long recent, double share) {
		Pod pod = stats.pod();
		int http = 0;
		int grpc = 0;
		int jdbc = 0;
		int websocket = 0;
		for (ConnectionCounter counter : this.counters) {
			int open = counter.openConnections(service, pod);
			switch (counter.kind()) {
				case "http" -> http += open;
				case "grpc" -> grpc += open;
				case "jdbc" -> jdbc += open;
				case "websocket" -> websocket += open;
				default -> {
				}
			}
		}
		String state = balancer.state(stats, this.counters).value();
		return new PodDescriptor(pod.name(), pod.host(), pod.port(), pod.zone(), state,
				new Connections(http, grpc, jdbc, websocket, http + grpc + jdbc + websocket),
				new Requests(stats.total(), stats.inFlight(), stats.failed(), recent), round(share),
				round(balancer.rampWeight(stats, balancer.now())), stats.lastFailure(), balancer.isLocal(stats),
				balancer.isInUse(stats));
	}

	private static double round(double value) {
		return Math.round(value * 1000) / 1000.0;
	}

	/**
	 * The endpoint's whole answer.
	 *
	 * @param client where this client runs
	 * @param services each service by key
	 */
	public record ServicesDescriptor(ClientDescriptor client,
			Map<String, ServiceDescriptor> services) implements OperationResponseBody {

	}

	/**
	 * Where this client runs, as configured or learned.
	 *
	 * @param zone its zone, or {@code null} when unknown
	 * @param node its node, or {@code null} when unknown
	 * @param pod its own pod name, or {@code null} when unknown
	 * @param peers how many pods its own Service has (itself included), 0 when unknown
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record ClientDescriptor(String zone, String node, String pod, int peers) {

	}

	/**
	 * One service.
	 *
	 * @param serviceId the discovery service id
	 * @param strategy the balancing strategy
	 * @param source where the pods came from ({@code kubernetes}, {@code simple}, ...)
	 * @param lastRefresh when discovery last succeeded
	 * @param refreshes how many times discovery has succeeded
	 * @param stale whether discovery has failed since {@code lastRefresh} (for
	 * EndpointSlices: the API server stopped answering), so the pods are the last known
	 * @param window the window of the pods' shares and of the imbalance (ISO-8601)
	 * @param imbalance the largest share over the window divided by the fair share among
	 * the pods in rotation (1.0 is even, and so is a service with no requests in the
	 * window)
	 * @param pods the pods, sorted by name, including those still draining
	 * @param panic whether too few pods are healthy, so ejection is set aside
	 * @param options the service's slow start, retries and outlier ejection
	 * @param locality which pods this client prefers: {@code hints}, {@code prefer-zone}
	 * or {@code off}
	 * @param subsetSize the most pods this client uses, 0 for all
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record ServiceDescriptor(String serviceId, String strategy, String source, Instant lastRefresh,
			long refreshes, boolean stale, String window, double imbalance, List<PodDescriptor> pods, boolean panic,
			Options options, String locality, int subsetSize) implements OperationResponseBody {

	}

	/**
	 * A service's balancing options.
	 *
	 * @param slowStart the slow-start window (ISO-8601), {@code PT0S} when off
	 * @param retries retries on another pod after a connection failure
	 * @param outlierEjection when failing pods are ejected
	 */
	public record Options(String slowStart, int retries, Ejection outlierEjection) {

	}

	/**
	 * A service's outlier ejection.
	 *
	 * @param consecutiveFailures failures in a row that eject a pod, 0 when off
	 * @param baseEjectionTime a first ejection's length (ISO-8601)
	 * @param maxEjectionTime the longest ejection (ISO-8601)
	 * @param maxEjectedPercent the largest share of ready pods ejected at once
	 * @param panicThreshold the percentage of healthy pods below which ejection is set
	 * aside
	 */
	public record Ejection(int consecutiveFailures, String baseEjectionTime, String maxEjectionTime,
			int maxEjectedPercent, int panicThreshold) {

	}

	/**
	 * One pod.
	 *
	 * @param name the pod name
	 * @param host the address
	 * @param port the port
	 * @param zone the zone, or {@code null}
	 * @param state {@code ready}, {@code draining} or {@code ejected}
	 * @param connections connections open to it now
	 * @param requests request counts
	 * @param share its fraction of the service's requests over the window
	 * @param weight its weight now, from 0.1 to 1: below 1 while it ramps up in its slow
	 * start
	 * @param lastFailure why it last failed a request (a status, or a connection or TLS
	 * error), or {@code null}
	 * @param local whether it is among the pods this client prefers by its locality (with
	 * locality off, or no local pod, every ready pod is)
	 * @param selected whether requests may go to it: ready, and in this client's subset
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record PodDescriptor(String name, String host, int port, String zone, String state, Connections connections,
			Requests requests, double share, double weight, String lastFailure, boolean local, boolean selected) {

	}

	/**
	 * Connections open to a pod, by client kind.
	 *
	 * @param http HTTP connections (WebClient and RestClient)
	 * @param grpc gRPC subchannels that are ready
	 * @param jdbc JDBC connections
	 * @param websocket WebSocket sessions
	 * @param total the sum
	 */
	public record Connections(int http, int grpc, int jdbc, int websocket, int total) {

	}

	/**
	 * Requests to a pod.
	 *
	 * @param total started so far
	 * @param inFlight started and not finished
	 * @param failed ended with an error or a server error status
	 * @param recent started over the window
	 */
	public record Requests(long total, int inFlight, long failed, long recent) {

	}

}
