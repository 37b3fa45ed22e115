package io.connbalance.rsocket;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import io.rsocket.loadbalance.LoadbalanceStrategy;
import io.rsocket.loadbalance.LoadbalanceTarget;
import io.rsocket.loadbalance.RoundRobinLoadbalanceStrategy;
import io.rsocket.loadbalance.WeightedLoadbalanceStrategy;
import io.rsocket.transport.netty.client.TcpClientTransport;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.netty.tcp.TcpClient;

import io.connbalance.balance.NoPodAvailableException;
import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.http.ClientOptions;
import io.connbalance.http.PodAddressResolverGroup;
import io.connbalance.pod.Pod;
import io.connbalance.stats.PodStats;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.messaging.rsocket.RSocketRequester;

/**
 * RSocket transports for the pods of each service, for rsocket-java's load-balanced
 * client: {@link #targets(String)} is the list of the service's pods in use (one TCP
 * target each, with the service's connect timeout, and TLS when it has an SSL bundle),
 * sent again whenever it changes, and each request on a target is counted on its pod. A
 * requester that takes them: {@code targets.requester(builder, "backend")}, or
 * {@code builder.transports(targets.targets("backend"), targets.strategy("backend"))}.
 */
public final class ServiceRSocketTargets {

	private final ServiceBalancers balancers;

	private final Map<String, Sinks.Many<List<LoadbalanceTarget>>> lists = new ConcurrentHashMap<>();

	/** One target per pod address, so that the client keeps its connection. */
	private final Map<String, LoadbalanceTarget> targets = new ConcurrentHashMap<>();

	/** Each service's connect timeout and SSL bundle, by key. */
	private final Map<String, ClientOptions> options;

	/**
	 * Creates the targets of every service, kept in step with their pods, over plain TCP
	 * with the default connect timeout.
	 * @param balancers the balancers
	 */
	public ServiceRSocketTargets(ServiceBalancers balancers) {
		this(balancers, Map.of());
	}

	/**
	 * Creates the targets of every service, kept in step with their pods.
	 * @param balancers the balancers
	 * @param options each service's connect timeout and SSL bundle, by key: a service
	 * with a bundle connects over TLS, naming the service in SNI and verifying each pod's
	 * certificate against it
	 */
	public ServiceRSocketTargets(ServiceBalancers balancers, Map<String, ClientOptions> options) {
		this.balancers = balancers;
		this.options = Map.copyOf(options);
		for (ServiceBalancer balancer : balancers.all()) {
			Sinks.Many<List<LoadbalanceTarget>> list = Sinks.many().replay().latest();
			this.lists.put(balancer.service(), list);
			balancer.addSelectionListener(() -> publish(balancer, list));
			// a pod that left stays a target until its streams are done
			balancer.addDrainListener((pod) -> {
				this.targets.remove(balancer.service() + "/" + pod.pod().address());
				publish(balancer, list);
			});
			publish(balancer, list);
		}
	}

	private synchronized void publish(ServiceBalancer balancer, Sinks.Many<List<LoadbalanceTarget>> list) {
		List<LoadbalanceTarget> current = balancer.pods()
			.stream()
			// pods in use, and those that left and still have streams (their connections
			// say they are not available, so new requests go elsewhere)
			.filter((pod) -> balancer.isInUse(pod) || (pod.isRetired() && !pod.isDrained()))
			.map((pod) -> target(balancer, pod))
			.toList();
		list.tryEmitNext(current);
	}

	private LoadbalanceTarget target(ServiceBalancer balancer, PodStats pod) {
		String address = pod.pod().address();
		return this.targets.computeIfAbsent(balancer.service() + "/" + address,
				(key) -> LoadbalanceTarget.from(address,
						new CountingTransport(TcpClientTransport.create(tcpClient(balancer.service(), pod.pod())),
								() -> balancer.find(address),
								(stats) -> !stats.isRetired() && !balancer.isEjected(stats))));
	}

	/**
	 * The TCP client of a pod: the service's name resolves to the pod's address, so that
	 * TLS names the service as it would through the Service.
	 */
	private TcpClient tcpClient(String service, Pod pod) {
		TcpClient client = TcpClient.create().host(service).port(pod.port()).resolver(new PodAddressResolverGroup(pod));
		ClientOptions options = this.options.get(service);
		if (options == null) {
			return client;
		}
		if (options.connectTimeout() != null) {
			client = client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
					(int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
		}
		SslBundle bundle = options.sslBundle();
		if (bundle != null) {
			SslContext context = sslContext(service, bundle);
			client = client.secure((spec) -> spec.sslContext(context)
				.serverNames(new SNIHostName(service))
				.handlerConfigurator((handler) -> {
					SSLParameters parameters = handler.engine().getSSLParameters();
					parameters.setEndpointIdentificationAlgorithm("HTTPS");
					handler.engine().setSSLParameters(parameters);
				}));
		}
		return client;
	}

	private static SslContext sslContext(String service, SslBundle bundle) {
		SslManagerBundle managers = bundle.getManagers();
		SslOptions options = bundle.getOptions();
		try {
			SslContextBuilder builder = SslContextBuilder.forClient()
				.keyManager(managers.getKeyManagerFactory())
				.trustManager(managers.getTrustManagerFactory());
			if (options.getEnabledProtocols() != null) {
				builder.protocols(options.getEnabledProtocols());
			}
			if (options.getCiphers() != null) {
				builder.ciphers(List.of(options.getCiphers()));
			}
			return builder.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("The SSL bundle of service '" + service + "' makes no TLS context", ex);
		}
	}

	/**
	 * The pods of a service in use, as targets, now and after each change.
	 * @param service the service key
	 * @return the lists of targets
	 * @throws NoPodAvailableException for a service that is not configured
	 */
	public Flux<List<LoadbalanceTarget>> targets(String service) {
		Sinks.Many<List<LoadbalanceTarget>> list = this.lists.get(service);
		if (list == null) {
			throw new IllegalArgumentException("No connbalance service '" + service + "'; configured: "
					+ this.lists.keySet() + " (connbalance.services.<key>)");
		}
		return list.asFlux();
	}

	/**
	 * rsocket-java's strategy closest to the service's: round-robin for
	 * {@code round-robin}, else its weighted strategy (latency and requests in flight, as
	 * peak-EWMA and least-request weigh pods).
	 * @param service the service key
	 * @return the strategy
	 */
	public LoadbalanceStrategy strategy(String service) {
		ServiceBalancer balancer = this.balancers.get(service);
		if (balancer == null) {
			throw new IllegalArgumentException("No connbalance service '" + service + "'");
		}
		LoadbalanceStrategy strategy = "round-robin".equals(balancer.strategy().name())
				? new RoundRobinLoadbalanceStrategy() : WeightedLoadbalanceStrategy.create();
		return new AvailableFirst(strategy);
	}

	/**
	 * A requester over the pods of a service.
	 * @param builder a requester builder (Spring Boot's, with its strategies)
	 * @param service the service key
	 * @return the requester
	 */
	public RSocketRequester requester(RSocketRequester.Builder builder, String service) {
		return builder.transports(targets(service), strategy(service));
	}

}
