package io.connbalance.demo.backend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

import io.connbalance.demo.api.WatchRequest;
import io.connbalance.demo.api.WhoAmIGrpc;
import io.connbalance.demo.api.WhoAmIReply;
import io.connbalance.demo.api.WhoAmIRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backend's gRPC service on a real server, and the server-side max connection age for
 * clients that cannot balance per call.
 */
class WhoAmIServiceTests {

	private ConfigurableApplicationContext backend;

	private ManagedChannel channel;

	@AfterEach
	void stop() {
		if (this.channel != null) {
			this.channel.shutdownNow();
		}
		if (this.backend != null) {
			this.backend.close();
		}
	}

	@Test
	void answersWithThePodNameOncePerCallAndAsAStream() {
		WhoAmIGrpc.WhoAmIBlockingStub stub = WhoAmIGrpc.newBlockingStub(start());
		WhoAmIReply first = stub.whoAmI(WhoAmIRequest.getDefaultInstance());
		assertThat(first.getPod()).isEqualTo("backend-test");
		List<WhoAmIReply> watched = new ArrayList<>();
		stub.watch(WatchRequest.newBuilder().setCount(5).setIntervalMs(10).build()).forEachRemaining(watched::add);
		assertThat(watched).extracting(WhoAmIReply::getServed).containsExactly(2L, 3L, 4L, 5L, 6L);
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> stub.watch(WatchRequest.newBuilder().setCount(0).build()).next())
			.withMessage("INVALID_ARGUMENT: count must be 1-10000 and interval_ms 0-10000");
	}

	@Test
	void aMaxConnectionAgeMakesAKeepAliveClientReconnect() {
		assertThat(reconnectsDuringCalls(start("spring.grpc.server.keepalive.connection.max-age=1s",
				"spring.grpc.server.keepalive.connection.grace-period=5s")))
			.isGreaterThanOrEqualTo(2);
	}

	@Test
	void withoutAMaxConnectionAgeAKeepAliveClientKeepsItsConnection() {
		assertThat(reconnectsDuringCalls(start())).isZero();
	}

	/** Calls for 3.5 s and counts how often the channel's connection went away. */
	private int reconnectsDuringCalls(ManagedChannel channel) {
		WhoAmIGrpc.WhoAmIBlockingStub stub = WhoAmIGrpc.newBlockingStub(channel);
		stub.whoAmI(WhoAmIRequest.getDefaultInstance());
		AtomicInteger reconnects = new AtomicInteger();
		countLostConnections(channel, ConnectivityState.READY, reconnects);
		long end = System.nanoTime() + Duration.ofMillis(3500).toNanos();
		for (int call = 0; call < 100_000 && System.nanoTime() < end; call++) {
			// every call succeeds: an aged connection is closed gracefully
			assertThat(stub.withDeadlineAfter(5, TimeUnit.SECONDS).whoAmI(WhoAmIRequest.getDefaultInstance()).getPod())
				.isEqualTo("backend-test");
		}
		return reconnects.get();
	}

	private static void countLostConnections(ManagedChannel channel, ConnectivityState from, AtomicInteger lost) {
		channel.notifyWhenStateChanged(from, () -> {
			// it has left "from", though it may be back by now: reconnecting takes a
			// moment
			if (from == ConnectivityState.READY) {
				lost.incrementAndGet();
			}
			ConnectivityState now = channel.getState(false);
			countLostConnections(channel, (now != from) ? now : ConnectivityState.IDLE, lost);
		});
	}

	private ManagedChannel start(String... properties) {
		List<String> args = new ArrayList<>(List.of("--POD_NAME=backend-test", "--server.port=0",
				"--server.address=127.0.0.1", "--spring.grpc.server.port=0", "--spring.grpc.server.address=127.0.0.1"));
		// as arguments, so that they win over application.yml
		Stream.of(properties).map((property) -> "--" + property).forEach(args::add);
		this.backend = new SpringApplicationBuilder(DemoBackendApplication.class).run(args.toArray(String[]::new));
		int port = this.backend.getBean(GrpcServerLifecycle.class).getPort();
		this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
		return this.channel;
	}

}
