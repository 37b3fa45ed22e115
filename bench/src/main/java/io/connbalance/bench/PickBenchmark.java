package io.connbalance.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.connbalance.balance.BalancingOptions;
import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.ServiceBalancer;
import io.connbalance.pod.Pod;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.PodStats;
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

/**
 * The cost of choosing a pod, per strategy and pod count. Run with {@code -prof gc} to
 * see that a pick allocates nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PickBenchmark {

	@Param({ "3", "100", "1000" })
	int pods;

	@Param({ "round-robin", "least-request", "peak-ewma" })
	String strategy;

	private ServiceBalancer balancer;

	@Setup
	public void setUp() {
		this.balancer = new ServiceBalancer("backend", BalancingStrategy.create(this.strategy),
				BalancingOptions.DEFAULTS);
		List<Pod> list = new ArrayList<>();
		for (int i = 0; i < this.pods; i++) {
			list.add(Pod.of("10.0." + (i / 250) + "." + (i % 250 + 1), 8080));
		}
		this.balancer.update(new ServicePods("backend", 1, list));
	}

	@Benchmark
	public PodStats choose() {
		return this.balancer.choose();
	}

}
