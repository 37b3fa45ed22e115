package io.connbalance.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.grpc.ConnbalanceNameResolverProvider;
import io.connbalance.grpc.GrpcConnections;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.PodState;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Unary gRPC calls per second at 8 concurrent callers: one connbalance channel over 3
 * pods (one HTTP/2 connection each), grpc-java's own round_robin over the same 3 pods,
 * one connbalance channel to a service of 1 pod, and a plain grpc-java channel to that
 * pod. Pods are real grpc-netty servers on 127.0.0.2-4, in this JVM: on a small machine
 * they share its cores with the client.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(8)
@Fork(1)
public class GrpcThroughputBenchmark {

	private static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {

		@Override
		public InputStream stream(String value) {
			return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
		}

		@Override
		public String parse(InputStream stream) {
			try {
				return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	};

	private static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
		.setType(MethodDescriptor.MethodType.UNARY)
		.setFullMethodName("bench.Pods/Who")
		.setRequestMarshaller(UTF8)
		.setResponseMarshaller(UTF8)
		.build();

	private final List<Server> servers = new ArrayList<>();

	private ConnbalanceNameResolverProvider resolver;

	private GrpcConnections connections;

	private ManagedChannel threePods;

	private ManagedChannel onePod;

	private ManagedChannel grpcRoundRobin;

	private ManagedChannel direct;

	@Setup(Level.Trial)
	public void setUp() throws IOException {
		List<Pod> pods = new ArrayList<>();
		int port = 0;
		for (int i = 0; i < 3; i++) {
			String name = "pod-" + (i + 1);
			String host = "127.0.0." + (i + 2);
			Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
				.addService(ServerServiceDefinition.builder("bench.Pods")
					.addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
						response.onNext(name);
						response.onCompleted();
					}))
					.build())
				.build()
				.start();
			port = server.getPort();
			this.servers.add(server);
			pods.add(new Pod(name, host, port, null, PodState.READY));
		}
		PodRegistry registry = new PodRegistry(List.of("backend", "single"));
		ServiceBalancers balancers = new ServiceBalancers(registry,
				(service) -> BalancingStrategy.create(BalancingStrategy.LEAST_REQUEST));
		registry.update("backend", pods);
		registry.update("single", pods.subList(0, 1));
		this.connections = new GrpcConnections();
		this.resolver = new ConnbalanceNameResolverProvider(registry, balancers, this.connections, () -> {
		});
		this.resolver.register();
		this.threePods = ManagedChannelBuilder.forTarget("connbalance:///backend").usePlaintext().build();
		this.onePod = ManagedChannelBuilder.forTarget("connbalance:///single").usePlaintext().build();
		// the same 3 addresses, balanced by grpc-java's own round_robin instead of
		// connbalance's
		this.grpcRoundRobin = ManagedChannelBuilder.forTarget("connbalance:///backend")
			.disableServiceConfigLookUp()
			.defaultLoadBalancingPolicy("round_robin")
			.usePlaintext()
			.build();
		this.direct = ManagedChannelBuilder.forAddress("127.0.0.2", port).usePlaintext().build();
	}

	@TearDown(Level.Trial)
	public void tearDown() throws InterruptedException {
		int open = 0;
		for (Server server : this.servers) {
			InetSocketAddress address = (InetSocketAddress) server.getListenSockets().get(0);
			Pod pod = Pod.of(address.getHostString(), address.getPort());
			open += this.connections.openConnections("backend", pod) + this.connections.openConnections("single", pod);
		}
		System.out.println("connbalance gRPC connections open at the end: " + open);
		for (ManagedChannel channel : List.of(this.threePods, this.onePod, this.grpcRoundRobin, this.direct)) {
			channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
		this.resolver.close();
		for (Server server : this.servers) {
			server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Benchmark
	public String connbalanceThreePods() {
		return ClientCalls.blockingUnaryCall(this.threePods, WHO, CallOptions.DEFAULT, "");
	}

	/**
	 * Three connections, as {@link #connbalanceThreePods()}, picked by grpc-java's
	 * {@code round_robin}: what spreading calls over three connections costs by itself.
	 */
	@Benchmark
	public String grpcRoundRobinThreePods() {
		return ClientCalls.blockingUnaryCall(this.grpcRoundRobin, WHO, CallOptions.DEFAULT, "");
	}

	/** The same server as {@link #directOnePod()}: isolates connbalance's own cost. */
	@Benchmark
	public String connbalanceOnePod() {
		return ClientCalls.blockingUnaryCall(this.onePod, WHO, CallOptions.DEFAULT, "");
	}

	@Benchmark
	public String directOnePod() {
		return ClientCalls.blockingUnaryCall(this.direct, WHO, CallOptions.DEFAULT, "");
	}

}
