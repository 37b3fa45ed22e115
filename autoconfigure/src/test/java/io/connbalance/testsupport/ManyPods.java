package io.connbalance.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;

/**
 * Hundreds of pods, each on its own loopback address (127.0.1.1 and up), served by one
 * HTTP server per address on one shared pool, or by one gRPC server listening on every
 * address. Counts requests and connections per address.
 */
public final class ManyPods implements AutoCloseable {

	private final List<String> hosts = new ArrayList<>();

	private final Map<String, AtomicLong> served = new ConcurrentHashMap<>();

	private final Map<String, AtomicLong> connections = new ConcurrentHashMap<>();

	private final List<HttpServer> httpServers = new ArrayList<>();

	private final ExecutorService executor = Executors.newFixedThreadPool(4);

	private Server grpcServer;

	private int port;

	private ManyPods(int count) {
		for (int i = 0; i < count; i++) {
			this.hosts.add("127.0." + (1 + i / 250) + "." + (1 + i % 250));
		}
	}

	/**
	 * Starts HTTP pods that answer {@code /whoami} with their address.
	 * @param count how many
	 * @return the pods
	 */
	public static ManyPods http(int count) throws IOException {
		ManyPods pods = new ManyPods(count);
		HttpServer first = HttpServer.create(new InetSocketAddress(pods.hosts.get(0), 0), 50);
		pods.port = first.getAddress().getPort();
		pods.httpServers.add(first);
		for (String host : pods.hosts.subList(1, count)) {
			pods.httpServers.add(HttpServer.create(new InetSocketAddress(host, pods.port), 50));
		}
		for (HttpServer server : pods.httpServers) {
			String host = server.getAddress().getHostString();
			server.createContext("/", (exchange) -> {
				pods.served.computeIfAbsent(host, (h) -> new AtomicLong()).incrementAndGet();
				byte[] body = host.getBytes(StandardCharsets.UTF_8);
				exchange.sendResponseHeaders(200, body.length);
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(body);
				}
			});
			server.setExecutor(pods.executor);
			server.start();
		}
		return pods;
	}

	/**
	 * Starts one gRPC server listening on every pod's address, answering {@code Who} (see
	 * {@link GrpcPodServer#who}).
	 * @param count how many pods
	 * @return the pods
	 */
	public static ManyPods grpc(int count) throws IOException {
		ManyPods pods = new ManyPods(count);
		try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
				java.net.InetAddress.getByName(pods.hosts.get(0)))) {
			pods.port = probe.getLocalPort();
		}
		NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(pods.hosts.get(0), pods.port));
		pods.hosts.subList(1, count)
			.forEach((host) -> builder.addListenAddress(new InetSocketAddress(host, pods.port)));
		ServerServiceDefinition service = ServerServiceDefinition.builder("test.Pods")
			.addMethod(GrpcPodServer.WHO, ServerCalls.asyncUnaryCall((request, response) -> {
				response.onNext("pod");
				response.onCompleted();
			}))
			.build();
		ServerInterceptor counter = new ServerInterceptor() {

			@Override
			public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
					ServerCallHandler<Q, A> next) {
				pods.served.computeIfAbsent(host(call.getAttributes()), (h) -> new AtomicLong()).incrementAndGet();
				return next.startCall(call, headers);
			}

		};
		pods.grpcServer = builder.addService(ServerInterceptors.intercept(service, counter))
			.addTransportFilter(new ServerTransportFilter() {

				@Override
				public Attributes transportReady(Attributes attributes) {
					pods.connections.computeIfAbsent(host(attributes), (h) -> new AtomicLong()).incrementAndGet();
					return attributes;
				}

			})
			.build()
			.start();
		return pods;
	}

	private static String host(Attributes attributes) {
		SocketAddress local = attributes.get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR);
		return (local instanceof InetSocketAddress address) ? address.getAddress().getHostAddress() : "?";
	}

	public List<String> hosts() {
		return this.hosts;
	}

	public int port() {
		return this.port;
	}

	/**
	 * Requests served, by pod address, for the pods that served any.
	 * @return the counts
	 */
	public Map<String, Long> served() {
		Map<String, Long> counts = new java.util.TreeMap<>();
		this.served.forEach((host, count) -> counts.put(host, count.get()));
		return counts;
	}

	/**
	 * gRPC connections opened, by pod address, for the pods that got any.
	 * @return the counts
	 */
	public Map<String, Long> connections() {
		Map<String, Long> counts = new java.util.TreeMap<>();
		this.connections.forEach((host, count) -> counts.put(host, count.get()));
		return counts;
	}

	@Override
	public void close() {
		this.httpServers.forEach((server) -> server.stop(0));
		if (this.grpcServer != null) {
			this.grpcServer.shutdownNow();
		}
		this.executor.shutdownNow();
	}

}
