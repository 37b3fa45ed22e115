package io.connbalance.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.connbalance.testsupport.ClientKind;
import io.connbalance.testsupport.FaultLoad;
import io.connbalance.testsupport.FaultLoad.Call;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodProcess;
import io.connbalance.testsupport.RunningApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pods as processes of their own, frozen ({@code kill -STOP}) or killed ({@code kill -9})
 * under the load of four callers, with a read timeout of 1 s.
 */
class FailingPodIntegrationTests {

	private static final int CALLERS = 4;

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private final List<PodProcess> pods = new ArrayList<>();

	private RunningApp app;

	@BeforeEach
	void start() throws Exception {
		for (int i = 1; i <= 3; i++) {
			PodProcess pod = PodProcess.start("pod-" + i, "127.0.0." + (i + 1));
			this.pods.add(pod);
			this.discovery.add("backend", pod.host(), pod.port(), Map.of("pod-name", pod.name()));
		}
		this.app = RunningApp.start(this.discovery, "connbalance.refresh.interval=1h",
				"connbalance.defaults.read-timeout=1s");
	}

	@AfterEach
	void stop() throws Exception {
		if (this.app != null) {
			this.app.close();
		}
		for (PodProcess pod : this.pods) {
			pod.close();
		}
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void aFrozenPodCostsAFewRequestsThenGetsNoneAndNoRequestWaitsForIt(ClientKind kind) throws Exception {
		PodProcess frozen = this.pods.get(1);
		List<Call> calls = load(kind, frozen::freeze, Duration.ofSeconds(6));
		frozen.thaw();
		long failed = FaultLoad.failed(calls);
		List<Call> settled = FaultLoad.between(calls, Duration.ofSeconds(4), Duration.ofSeconds(6));
		long toFrozen = settled.stream().filter((call) -> frozen.name().equals(call.pod())).count();
		Duration p99Before = FaultLoad.p99(FaultLoad.between(calls, Duration.ofSeconds(-2), Duration.ZERO));
		Duration p99After = FaultLoad.p99(settled);
		System.out.println(kind + ", a pod frozen: " + failed + " of " + calls.size() + " failed; p99 before "
				+ p99Before.toNanos() / 1000 + " us, from 4 s after the fault " + p99After.toNanos() / 1000
				+ " us; the frozen pod's state: " + this.app.pod("backend", frozen.name()).get("state").asString() + " "
				+ FaultLoad.errors(calls));
		assertThat(failed).isLessThanOrEqualTo(10);
		assertThat(settled).hasSizeGreaterThan(1000);
		// picks of the frozen pod fail or answer late: none once it has been noticed
		assertThat(settled).noneMatch(Call::failed);
		assertThat(toFrozen).isZero();
		// no request waits anywhere near the read timeout for it any more
		assertThat(p99After).isLessThan(Duration.ofMillis(500));
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void aKilledPodFailsNoIdempotentRequest(ClientKind kind) throws Exception {
		PodProcess killed = this.pods.get(1);
		List<Call> calls = load(kind, killed::kill, Duration.ofSeconds(3));
		long failed = FaultLoad.failed(calls);
		System.out
			.println(kind + ", a pod killed: " + failed + " of " + calls.size() + " failed " + FaultLoad.errors(calls)
					+ "; the killed pod's state: " + this.app.pod("backend", killed.name()).get("state").asString());
		assertThat(calls.stream().filter((call) -> call.start() >= 0)).hasSizeGreaterThan(1000);
		assertThat(failed).isZero();
		assertThat(this.app.pod("backend", killed.name()).get("state").asString()).isEqualTo("ejected");
	}

	private List<Call> load(ClientKind kind, Runnable fault, Duration after) throws Exception {
		Function<String, String> client = kind.client(this.app);
		return FaultLoad.run(CALLERS, () -> client.apply("http://backend/whoami"), Duration.ofSeconds(2), fault, after);
	}

}
