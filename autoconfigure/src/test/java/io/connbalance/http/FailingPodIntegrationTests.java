package io.connbalance.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.connbalance.testsupport.ClientKind;
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
		List<Call> calls = load(kind.client(this.app), Duration.ofSeconds(2), frozen::freeze, Duration.ofSeconds(6));
		frozen.thaw();
		long failed = calls.stream().filter(Call::failed).count();
		List<Call> before = calls.stream().filter((call) -> call.start() < 0).toList();
		List<Call> settled = calls.stream().filter((call) -> call.start() >= Duration.ofSeconds(3).toNanos()).toList();
		long toFrozen = settled.stream().filter((call) -> frozen.name().equals(call.pod())).count();
		Duration p99Before = p99(before);
		Duration p99After = p99(settled);
		System.out.println(kind + ", a pod frozen: " + failed + " of " + calls.size() + " failed; p99 before "
				+ p99Before.toNanos() / 1000 + " us, from 3 s after the fault " + p99After.toNanos() / 1000
				+ " us; the frozen pod's state: " + this.app.pod("backend", frozen.name()).get("state").asString());
		assertThat(failed).isLessThanOrEqualTo(10);
		assertThat(settled).hasSizeGreaterThan(1000);
		// picks of the frozen pod fail or answer late: none once it has been noticed
		assertThat(settled).noneMatch(Call::failed);
		assertThat(toFrozen).isZero();
		// no request waits anywhere near the read timeout for it any more
		assertThat(p99After).isLessThan(Duration.ofMillis(250));
	}

	@ParameterizedTest
	@EnumSource(ClientKind.class)
	void aKilledPodFailsNoIdempotentRequest(ClientKind kind) throws Exception {
		PodProcess killed = this.pods.get(1);
		List<Call> calls = load(kind.client(this.app), Duration.ofSeconds(2), () -> {
			try {
				killed.kill();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, Duration.ofSeconds(3));
		long failed = calls.stream().filter(Call::failed).count();
		System.out.println(kind + ", a pod killed: " + failed + " of " + calls.size() + " failed; the killed pod's "
				+ "state: " + this.app.pod("backend", killed.name()).get("state").asString());
		assertThat(calls.stream().filter((call) -> call.start() >= 0)).hasSizeGreaterThan(1000);
		assertThat(failed).isZero();
		assertThat(this.app.pod("backend", killed.name()).get("state").asString()).isEqualTo("ejected");
	}

	/**
	 * GETs from several callers without pause: {@code before}, then the fault, then
	 * {@code after}. Each call's start is in nanoseconds from the fault.
	 */
	private static List<Call> load(Function<String, String> client, Duration before, Runnable fault, Duration after)
			throws Exception {
		List<Call> calls = Collections.synchronizedList(new ArrayList<>());
		long start = System.nanoTime();
		long faultAt = start + before.toNanos();
		long end = faultAt + after.toNanos();
		ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int i = 0; i < CALLERS; i++) {
				running.add(callers.submit(() -> {
					for (int n = 0; n < 100_000 && System.nanoTime() - end < 0; n++) {
						long sent = System.nanoTime();
						String pod;
						try {
							pod = client.apply("http://backend/whoami");
						}
						catch (RuntimeException ex) {
							pod = null;
						}
						calls.add(new Call(sent - faultAt, System.nanoTime() - sent, pod));
					}
				}));
			}
			Thread.sleep(Math.max(0, (faultAt - System.nanoTime()) / 1_000_000));
			fault.run();
			for (Future<?> caller : running) {
				caller.get(after.toSeconds() + 30, TimeUnit.SECONDS);
			}
		}
		finally {
			callers.shutdownNow();
		}
		return List.copyOf(calls);
	}

	private static Duration p99(List<Call> calls) {
		long[] nanos = calls.stream().mapToLong(Call::nanos).sorted().toArray();
		return Duration.ofNanos(nanos[(int) Math.min(nanos.length - 1, Math.ceil(nanos.length * 0.99) - 1)]);
	}

	/**
	 * One GET: when it started (from the fault), how long it took, and the pod that
	 * answered ({@code null} when it failed).
	 */
	private record Call(long start, long nanos, String pod) {

		boolean failed() {
			return this.pod == null;
		}

	}

}
