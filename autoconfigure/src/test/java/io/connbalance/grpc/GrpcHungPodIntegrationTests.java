package io.connbalance.grpc;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.grpc.client.GrpcChannelFactory;

import io.connbalance.pod.Pod;
import io.connbalance.testsupport.Await;
import io.connbalance.testsupport.GrpcPodServer;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RandomL4Forwarder;
import io.connbalance.testsupport.RunningApp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Calls that never end: on a pod that has left (the drain timeout ends them) and on a
 * node that has gone (HTTP/2 keepalive pings notice it), with channels from Spring's
 * channel factory and real grpc-netty servers.
 */
class GrpcHungPodIntegrationTests {

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private final List<ListenableFuture<String>> calls = new ArrayList<>();

	private PodServers<GrpcPodServer> pods;

	private RunningApp app;

	@BeforeEach
	void startPods() throws Exception {
		this.pods = PodServers.startGrpc(3);
	}

	@AfterEach
	void stop() {
		this.calls.forEach((call) -> call.cancel(true));
		if (this.app != null) {
			this.app.close();
		}
		this.pods.close();
	}

	@Test
	void callsStillRunningOnAPodThatLeftAreCancelledAfterTheDrainTimeoutAndItsConnectionCloses() throws Exception {
		this.pods.all().forEach((pod) -> this.discovery.add("backend", pod));
		this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=1h",
				"connbalance.services.backend.strategy=round-robin", "connbalance.grpc.drain-timeout=2s",
				"spring.grpc.client.channel.pods.target=connbalance:///backend");
		ManagedChannel channel = this.app.bean(GrpcChannelFactory.class).createChannel("pods");
		Await.until(Duration.ofSeconds(10), () -> {
			GrpcPodServer.who(channel);
			return this.pods.all().stream().allMatch((pod) -> pod.connections() == 1);
		});
		// round-robin: one call that never gets an answer on each pod
		for (int i = 0; i < 3; i++) {
			this.calls.add(GrpcPodServer.hang(channel, Duration.ofSeconds(60)));
		}
		Await.until(Duration.ofSeconds(10), () -> this.pods.all().stream().allMatch((pod) -> pod.hanging() == 1));
		GrpcPodServer leaving = this.pods.get(2);

		this.discovery.remove("backend", leaving.host());
		long removed = System.nanoTime();
		this.app.refresher().refreshNow();
		assertThat(this.app.pod("backend", "pod-3").get("state").asString()).isEqualTo("draining");

		Await.until(Duration.ofSeconds(10), () -> this.calls.stream().anyMatch(ListenableFuture::isDone));
		long ended = System.nanoTime() - removed;
		List<ListenableFuture<String>> done = this.calls.stream().filter(ListenableFuture::isDone).toList();
		assertThat(done).hasSize(1);
		Throwable failure = catchThrowable(() -> done.get(0).get()).getCause();
		assertThat(failure).isInstanceOf(StatusRuntimeException.class);
		assertThat(Status.fromThrowable(failure).getCode()).isEqualTo(Status.Code.CANCELLED);
		assertThat(Status.fromThrowable(failure).getCause()).isInstanceOf(DrainTimeoutException.class)
			.hasMessageContaining(leaving.host() + ":" + leaving.port())
			.hasMessageContaining("service 'backend'")
			.hasMessageContaining("connbalance.grpc.drain-timeout (2000 ms)");
		assertThat(Duration.ofNanos(ended)).as("not before the drain timeout")
			.isGreaterThanOrEqualTo(Duration.ofSeconds(2));
		// the pod was told, the other pods' calls go on
		Await.until(Duration.ofSeconds(5), () -> leaving.hanging() == 0);
		assertThat(this.pods.get(0).hanging()).isEqualTo(1);
		assertThat(this.pods.get(1).hanging()).isEqualTo(1);

		Await.until(Duration.ofSeconds(5), () -> this.app.pod("backend", "pod-3") == null);
		assertThat(
				this.app.bean(GrpcConnections.class).openConnections("backend", Pod.of(leaving.host(), leaving.port())))
			.isZero();
		// grpc-java closes a subchannel's connection a few seconds after it is shut down
		Await.until(Duration.ofSeconds(20), () -> leaving.connections() == 0);
		assertThat(GrpcPodServer.who(channel)).isIn("pod-1", "pod-2");
	}

	@Test
	void aCallOnANodeThatHasGoneFailsOnceKeepalivePingsGoUnansweredNotAtItsDeadline() throws Exception {
		GrpcPodServer pod = this.pods.get(0);
		try (RandomL4Forwarder node = new RandomL4Forwarder(List.of(new InetSocketAddress(pod.host(), pod.port())),
				1)) {
			this.discovery.add("backend", "127.0.0.1", node.port(), Map.of("pod-name", "pod-behind-node"));
			// grpc-java's shortest keepalive time is 10 s
			this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=1h",
					"spring.grpc.client.channel.pods.target=connbalance:///backend",
					"spring.grpc.client.channel.pods.keepalive.time=10s",
					"spring.grpc.client.channel.pods.keepalive.timeout=1s");
			ManagedChannel channel = this.app.bean(GrpcChannelFactory.class).createChannel("pods");
			assertThat(GrpcPodServer.who(channel)).isEqualTo("pod-1");
			Duration deadline = Duration.ofSeconds(60);
			ListenableFuture<String> call = GrpcPodServer.hang(channel, deadline);
			this.calls.add(call);
			Await.until(Duration.ofSeconds(10), () -> pod.hanging() == 1);

			node.blackhole();
			long gone = System.nanoTime();
			assertThatThrownBy(() -> call.get(deadline.toSeconds(), TimeUnit.SECONDS))
				.isInstanceOf(ExecutionException.class)
				.cause()
				.isInstanceOf(StatusRuntimeException.class)
				.satisfies((ex) -> assertThat(Status.fromThrowable(ex).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
			Duration noticed = Duration.ofNanos(System.nanoTime() - gone);
			// one keepalive time and one timeout, not the call's deadline
			assertThat(noticed).isLessThan(deadline.dividedBy(3));
			assertThat(this.app.pod("backend", "pod-behind-node").at("/requests/failed").asLong()).isEqualTo(1);
		}
	}

}
