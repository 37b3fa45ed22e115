package io.connbalance.grpc;

import java.net.URI;
import java.time.Duration;
import java.util.TreeSet;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.PodRegistry;

/**
 * Serves the target {@code connbalance:///<service key>} to every gRPC channel of the
 * JVM, from the pods connbalance knows, once {@linkplain #register() registered}.
 */
public final class ConnbalanceNameResolverProvider extends NameResolverProvider implements AutoCloseable {

	/** The target scheme. */
	public static final String SCHEME = "connbalance";

	private static final Log logger = LogFactory.getLog(ConnbalanceNameResolverProvider.class);

	private final PodRegistry registry;

	private final ServiceBalancers balancers;

	private final GrpcConnections connections;

	private final Runnable refreshHint;

	private final Duration drainTimeout;

	/**
	 * Creates the provider, with calls on a pod that left cancelled after 30 s.
	 * @param registry the pod registry
	 * @param balancers the service balancers
	 * @param connections where channels report their open connections
	 * @param refreshHint asks discovery for news (a channel saw a connection fail)
	 */
	public ConnbalanceNameResolverProvider(PodRegistry registry, ServiceBalancers balancers,
			GrpcConnections connections, Runnable refreshHint) {
		this(registry, balancers, connections, refreshHint, Duration.ofSeconds(30));
	}

	/**
	 * Creates the provider.
	 * @param registry the pod registry
	 * @param balancers the service balancers
	 * @param connections where channels report their open connections
	 * @param refreshHint asks discovery for news (a channel saw a connection fail)
	 * @param drainTimeout how long calls may go on on a pod that left before they are
	 * cancelled (see {@link DrainDeadlineInterceptor})
	 */
	public ConnbalanceNameResolverProvider(PodRegistry registry, ServiceBalancers balancers,
			GrpcConnections connections, Runnable refreshHint, Duration drainTimeout) {
		this.registry = registry;
		this.balancers = balancers;
		this.connections = connections;
		this.refreshHint = refreshHint;
		this.drainTimeout = drainTimeout;
	}

	/**
	 * Registers with grpc-java's default registry, which
	 * {@code ManagedChannelBuilder.forTarget(...)} and Spring's channel factories use.
	 */
	public void register() {
		NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
		registry.register(this);
		if (registry.getProviderForScheme(SCHEME) != this) {
			logger.warn("Another application context in this JVM already serves " + SCHEME
					+ ":/// targets; new channels resolve against it until it closes");
		}
	}

	/**
	 * Deregisters: channels created from now on cannot resolve {@code connbalance:///}.
	 */
	@Override
	public void close() {
		NameResolverRegistry.getDefaultRegistry().deregister(this);
	}

	@Override
	public NameResolver newNameResolver(URI target, NameResolver.Args args) {
		if (!SCHEME.equals(target.getScheme())) {
			return null;
		}
		String service = serviceKey(target);
		ServiceBalancer balancer = this.balancers.get(service);
		if (balancer == null) {
			throw new IllegalArgumentException("gRPC target '" + target + "' names service '" + service
					+ "', which is not under connbalance.services (configured: "
					+ new TreeSet<>(this.registry.services()) + "). Add connbalance.services." + service
					+ ".service-id=<Kubernetes Service name>, or use one of the configured keys.");
		}
		return new ServiceNameResolver(this.registry, new ServiceBinding(balancer, this.connections, this.drainTimeout),
				this.refreshHint, args);
	}

	private static String serviceKey(URI target) {
		String path = target.getPath();
		if (path == null || path.length() <= 1 || path.indexOf('/', 1) >= 0) {
			throw new IllegalArgumentException("gRPC target '" + target + "' must have the form " + SCHEME
					+ ":///<service key> (three slashes), for example " + SCHEME + ":///backend");
		}
		return path.substring(1);
	}

	@Override
	public String getDefaultScheme() {
		return SCHEME;
	}

	@Override
	protected boolean isAvailable() {
		return true;
	}

	/**
	 * Below DNS (5), so that this scheme never becomes the default for targets that name
	 * no scheme.
	 */
	@Override
	protected int priority() {
		return 4;
	}

}
