package io.connbalance.bench;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.discovery.DiscoveredPods;
import io.connbalance.metrics.ConnbalanceMeters;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.PodState;
import io.connbalance.pod.ServiceTarget;
import io.connbalance.refresh.PodRefresher;
import io.connbalance.stats.Client;
import io.connbalance.stats.PodStats;

/**
 * What connbalance's meters add to each request: a request's accounting (choosing a pod,
 * counting it in flight, ending it) with no registry, and with the timers of a Simple or
 * a Prometheus registry. Run with {@code -prof gc} for the allocations, and with
 * {@code -t 2} for two threads recording at once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetersBenchmark {

	@Param({ "none", "simple", "prometheus" })
	String registry;

	private ServiceBalancers balancers;

	@Setup
	public void setUp() {
		List<Pod> pods = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			pods.add(new Pod("backend-" + i, "10.0.0." + (i + 1), 8080, null, PodState.READY));
		}
		PodRegistry registry = new PodRegistry(List.of("backend"));
		registry.update("backend", pods);
		this.balancers = new ServiceBalancers(registry, (service) -> BalancingStrategy.create("round-robin"));
		MeterRegistry meters = switch (this.registry) {
			case "simple" -> new SimpleMeterRegistry();
			case "prometheus" -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
			default -> null;
		};
		if (meters != null) {
			ServiceTarget target = new ServiceTarget("backend", "backend", null, null, "round-robin");
			PodRefresher refresher = new PodRefresher(registry, (service) -> new DiscoveredPods("static", pods),
					List.of(target), Duration.ofHours(1), Clock.systemUTC());
			new ConnbalanceMeters(meters, this.balancers, refresher, List.of(), Clock.systemUTC());
		}
	}

	/**
	 * One request's accounting, from choosing its pod to its end.
	 * @return the pod
	 */
	@Benchmark
	public PodStats request() {
		PodStats pod = this.balancers.get("backend").acquire();
		pod.end(Client.RESTCLIENT, pod.now(), false, false);
		return pod;
	}

}
