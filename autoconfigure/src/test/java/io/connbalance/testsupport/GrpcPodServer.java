package io.connbalance.testsupport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * A real gRPC server (grpc-netty, HTTP/2) standing in for one pod. Its service
 * {@code test.Pods} answers {@code Who} with the pod's name, {@code Slow} after the
 * requested milliseconds, {@code Fail} with {@code INVALID_ARGUMENT}, {@code Stream} with
 * a message every few milliseconds, and {@code Hang} never. Messages are UTF-8 strings,
 * so no protobuf is needed.
 */
public final class GrpcPodServer implements TestPod {

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

	static final MethodDescriptor<String, String> WHO = method("Who", MethodDescriptor.MethodType.UNARY);

	static final MethodDescriptor<String, String> SLOW = method("Slow", MethodDescriptor.MethodType.UNARY);

	static final MethodDescriptor<String, String> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);

	static final MethodDescriptor<String, String> STREAM = method("Stream",
			MethodDescriptor.MethodType.SERVER_STREAMING);

	static final MethodDescriptor<String, String> HANG = method("Hang", MethodDescriptor.MethodType.UNARY);

	private final String name;

	private final Server server;

	private final AtomicLong served = new AtomicLong();

	private final AtomicInteger active = new AtomicInteger();

	private final AtomicInteger connections = new AtomicInteger();

	private final AtomicInteger hanging = new AtomicInteger();

	private final AtomicInteger closedConnections = new AtomicInteger();

	private volatile long whoDelayMillis;

	private volatile Status whoFailure;

	private ExecutorService executor;

	private GrpcPodServer(String name, String host, int port, Duration maxConnectionIdle) throws IOException {
		this(name, host, port, maxConnectionIdle, 0, Duration.ZERO);
	}

	private GrpcPodServer(String name, String host, int port, Duration maxConnectionIdle, int workers,
			Duration serviceTime) throws IOException {
		this.name = name;
		this.whoDelayMillis = serviceTime.toMillis();
		ServerServiceDefinition service = ServerServiceDefinition.builder("test.Pods")
			.addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> answer(response, this.whoDelayMillis)))
			.addMethod(SLOW,
					ServerCalls.asyncUnaryCall((request, response) -> answer(response, Long.parseLong(request))))
			.addMethod(FAIL, ServerCalls.asyncUnaryCall(this::fail))
			.addMethod(STREAM, ServerCalls.asyncServerStreamingCall(this::stream))
			.addMethod(HANG, ServerCalls.asyncUnaryCall(this::hang))
			.build();
		NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
		if (workers > 0) {
			ExecutorService executor = Executors.newFixedThreadPool(workers);
			this.executor = executor;
			builder.executor(executor);
		}
		if (maxConnectionIdle != null) {
			// GOAWAY to a connection without calls for this long, as servers behind
			// proxies are often set up
			builder.maxConnectionIdle(maxConnectionIdle.toNanos(), TimeUnit.NANOSECONDS);
		}
		this.server = builder.addService(service).addTransportFilter(new ServerTransportFilter() {

			@Override
			public Attributes transportReady(Attributes attributes) {
				GrpcPodServer.this.connections.incrementAndGet();
				return attributes;
			}

			@Override
			public void transportTerminated(Attributes attributes) {
				GrpcPodServer.this.connections.decrementAndGet();
				GrpcPodServer.this.closedConnections.incrementAndGet();
			}

		}).build().start();
	}

	/**
	 * Starts a gRPC pod server.
	 * @param name the pod name it answers with
	 * @param host its loopback address
	 * @param port the port (0 for any)
	 * @return the running server
	 * @throws IOException if it cannot bind
	 */
	public static GrpcPodServer start(String name, String host, int port) throws IOException {
		return new GrpcPodServer(name, host, port, null);
	}

	/**
	 * Starts gRPC pod servers that close connections idle for a while (with GOAWAY).
	 * @param maxConnectionIdle how long a connection may go without calls
	 * @return what starts one
	 */
	public static TestPod.Starter<GrpcPodServer> closingIdle(Duration maxConnectionIdle) {
		return (name, host, port) -> new GrpcPodServer(name, host, port, maxConnectionIdle);
	}

	/**
	 * Starts pods whose capacity is their own: {@code Who} runs on a fixed number of
	 * workers, each call taking a fixed time (waiting, not computing), so that a pod
	 * answers at most {@code workers / serviceTime} calls a second and calls beyond its
	 * workers wait in its queue.
	 * @param workers the calls a pod serves at once
	 * @param serviceTime the time each takes
	 * @return what starts one
	 */
	public static TestPod.Starter<GrpcPodServer> withCapacity(int workers, Duration serviceTime) {
		return (name, host, port) -> new GrpcPodServer(name, host, port, null, workers, serviceTime);
	}

	private void answer(StreamObserver<String> response, long delayMillis) {
		this.served.incrementAndGet();
		Status failure = this.whoFailure;
		if (failure != null) {
			response.onError(failure.withDescription("failed by " + this.name).asRuntimeException());
			return;
		}
		this.active.incrementAndGet();
		try {
			sleep(delayMillis);
			response.onNext(this.name);
			response.onCompleted();
		}
		finally {
			this.active.decrementAndGet();
		}
	}

	private void fail(String request, StreamObserver<String> response) {
		this.served.incrementAndGet();
		response.onError(Status.INVALID_ARGUMENT.withDescription("refused by " + this.name).asRuntimeException());
	}

	private void hang(String request, StreamObserver<String> response) {
		this.served.incrementAndGet();
		this.hanging.incrementAndGet();
		((ServerCallStreamObserver<String>) response).setOnCancelHandler(this.hanging::decrementAndGet);
	}

	/** Request {@code count:intervalMillis}. */
	private void stream(String request, StreamObserver<String> response) {
		this.served.incrementAndGet();
		this.active.incrementAndGet();
		try {
			String[] parts = request.split(":");
			int count = Integer.parseInt(parts[0]);
			long interval = Long.parseLong(parts[1]);
			for (int i = 0; i < count; i++) {
				response.onNext(this.name + "#" + i);
				sleep(interval);
			}
			response.onCompleted();
		}
		finally {
			this.active.decrementAndGet();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String host() {
		return ((InetSocketAddress) this.server.getListenSockets().get(0)).getHostString();
	}

	@Override
	public int port() {
		return this.server.getPort();
	}

	@Override
	public long served() {
		return this.served.get();
	}

	@Override
	public int active() {
		return this.active.get();
	}

	/** Makes {@code Who} answer after a delay, like a pod that has become slow. */
	public void slowDown(Duration delay) {
		this.whoDelayMillis = delay.toMillis();
	}

	/** Makes {@code Who} fail with a status, like a broken pod; {@code null} to heal. */
	public void failWith(Status status) {
		this.whoFailure = status;
	}

	/** Calls of {@code Hang} that their client has not cancelled yet. */
	public int hanging() {
		return this.hanging.get();
	}

	/** Client connections (HTTP/2 transports) that have ended. */
	public int closedConnections() {
		return this.closedConnections.get();
	}

	/** Client connections (HTTP/2 transports) open now. */
	public int connections() {
		return this.connections.get();
	}

	@Override
	public void close() {
		this.server.shutdownNow();
		try {
			this.server.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (this.executor != null) {
			this.executor.shutdownNow();
		}
	}

	/** Calls {@code Who}: the name of the pod that answered. */
	public static String who(Channel channel) {
		return ClientCalls.blockingUnaryCall(channel, WHO, deadline(), "");
	}

	/** Starts a call of {@code Who} without waiting for it. */
	public static ListenableFuture<String> whoLater(Channel channel) {
		return ClientCalls.futureUnaryCall(channel.newCall(WHO, deadline()), "");
	}

	/** Calls {@code Who} with a deadline of its own. */
	public static String who(Channel channel, Duration deadline) {
		return ClientCalls.blockingUnaryCall(channel, WHO,
				CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS), "");
	}

	/** Starts a call of {@code Hang}, which the pod never answers. */
	public static ListenableFuture<String> hang(Channel channel, Duration deadline) {
		return ClientCalls.futureUnaryCall(channel.newCall(HANG,
				CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)), "");
	}

	/** Calls {@code Slow}: answered after the given time. */
	public static String slow(Channel channel, Duration delay) {
		return ClientCalls.blockingUnaryCall(channel, SLOW, deadline(), String.valueOf(delay.toMillis()));
	}

	/** Calls {@code Fail}, which always ends with {@code INVALID_ARGUMENT}. */
	public static String fail(Channel channel) {
		return ClientCalls.blockingUnaryCall(channel, FAIL, deadline(), "");
	}

	/** Starts {@code Stream}: {@code count} messages, one per interval. */
	public static Iterator<String> stream(Channel channel, int count, Duration interval) {
		return ClientCalls.blockingServerStreamingCall(channel, STREAM, deadline(), count + ":" + interval.toMillis());
	}

	/** Reads what is left of a stream. */
	public static List<String> drain(Iterator<String> stream) {
		List<String> messages = new ArrayList<>();
		stream.forEachRemaining(messages::add);
		return messages;
	}

	/** A deadline counted from now: a call never waits forever. */
	private static CallOptions deadline() {
		return CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
	}

	private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
		return MethodDescriptor.<String, String>newBuilder()
			.setType(type)
			.setFullMethodName(MethodDescriptor.generateFullMethodName("test.Pods", name))
			.setRequestMarshaller(UTF8)
			.setResponseMarshaller(UTF8)
			.build();
	}

}
