package io.connbalance.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.connbalance.testsupport.ClientKind;
import io.connbalance.testsupport.FaultLoad;
import io.connbalance.testsupport.FaultLoad.Call;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.RandomL4Forwarder;
import io.connbalance.testsupport.RunningApp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pod whose node drops every packet, under the load of four callers: its open
 * connections go silent and new ones are never answered (their SYN is dropped). The pod's
 * address is a forwarder of its own in front of its server, which turns into a blackhole.
 */
class BlackholedPodIntegrationTests {

	private static final int CALLERS = 4;

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private PodServers<PodServer> pods;

	private RandomL4Forwarder node;

	private RunningApp app;

	@BeforeEach
	void start() throws Exception {
		this.pods = PodServers.start(3);
		PodServer behindNode = this.pods.get(1);
		this.node = new RandomL4Forwarder(List.of(new InetSocketAddress(behindNode.host(), behindNode.port())), 1,
				InetAddress.getByName("127.0.0.20"));
		this.discovery.add("backend", this.pods.get(0));
		this.discovery.add("backend", this.node.host(), this.node.port(), Map.of("pod-name", behindNode.name()));
		this.discovery.add("backend", this.pods.get(2));
		this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=1h",
				"connbalance.defaults.read-timeout=1s");
	}

	@AfterEach
	void stop() throws Exception {
		if (this.app != null) {
			this.app.close();
		}
		this.node.close();
		this.pods.close();
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void aBlackholedPodCostsAFewRequestsNoneWaitsLongAndTheRateHolds(ClientKind kind) throws Exception {
		Function<String, String> client = kind.client(this.app);
		List<Call> calls = FaultLoad.run(CALLERS, () -> client.apply("http://backend/whoami"), Duration.ofSeconds(3),
				() -> {
					try {
						this.node.blackhole();
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				}, Duration.ofSeconds(6));
		long failed = FaultLoad.failed(calls);
		Duration slowest = Duration.ofNanos(calls.stream().mapToLong(Call::nanos).max().orElseThrow());
		List<Call> before = FaultLoad.between(calls, Duration.ofSeconds(-2), Duration.ZERO);
		List<Call> settled = FaultLoad.between(calls, Duration.ofSeconds(3), Duration.ofSeconds(6));
		// requests per second, from the calls that started in each window
		double rateBefore = before.size() / 2.0;
		double rateAfter = settled.size() / 3.0;
		System.out.println(kind + ", a pod blackholed: " + failed + " of " + calls.size() + " failed, slowest "
				+ slowest.toMillis() + " ms, " + Math.round(rateBefore) + " requests/s before, " + Math.round(rateAfter)
				+ " from 3 s after; its state: " + this.app.pod("backend", "pod-2").get("state").asString() + " "
				+ FaultLoad.errors(calls));
		assertThat(failed).isLessThanOrEqualTo(10);
		// a read timeout of 1 s, a connect timeout of 1 s and one retry on another pod
		assertThat(slowest).isLessThan(Duration.ofSeconds(3));
		assertThat(rateAfter).isGreaterThanOrEqualTo(0.8 * rateBefore);
		assertThat(settled).noneMatch((call) -> "pod-2".equals(call.pod()));
		assertThat(this.app.pod("backend", "pod-2").get("state").asString()).isEqualTo("ejected");
	}

}
