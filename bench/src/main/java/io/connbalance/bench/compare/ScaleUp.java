package io.connbalance.bench.compare;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Scenario 3, scale-up: a 4th pod joins 3 under load; how long until it holds 90% of its
 * fair share. The gRPC and JDBC scenarios run it too, on their own pods.
 */
final class ScaleUp implements Compare.Scenario {

	private final Harness harness;

	ScaleUp(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		run(this.harness, "Scale-up: 3 -> 4 pods under load", this.harness::httpFleet, Duration.ofSeconds(40),
				this.harness.withHaProxy(List.of((fleet) -> Contender.connbalance("least-request"),
						(fleet) -> Contender.springCloudLoadBalancer(),
						(fleet) -> Contender.plain("kube-proxy", fleet.service())), 18400),
				"compare-scale-up.svg");
	}

	/**
	 * Loads each contender on 3 fresh pods, adds a 4th and reports how long until it
	 * holds 90% of its fair share.
	 */
	static void run(Harness harness, String title, Fleet.Starter fleets, Duration after,
			List<Function<Fleet, Contender>> contenders, String chartName) throws Exception {
		harness.header(title);
		harness.line("Seconds from the 4th pod's appearance in discovery (and in kube-proxy's rules; HAProxy, where it "
				+ "takes part, is reloaded at that moment) until it takes at least 90%% of its fair share (1/4) of a "
				+ "100 ms window; runs stop %d s after it appears.", after.toSeconds());
		harness.line("");
		harness.line("| contender | seconds until the new pod holds >= 90%% of its share |");
		harness.line("| --- | ---: |");
		Map<String, List<double[]>> curves = new LinkedHashMap<>();
		for (Function<Fleet, Contender> factory : contenders) {
			try (Fleet fleet = fleets.start(3); Contender used = factory.apply(fleet)) {
				Timeline timeline = Timeline.follow(used, Duration.ofSeconds(2), after, fleet::add, 0.9 / 4);
				harness.line("| %s | %s |", used.name() + used.cache(), Double.isNaN(timeline.reached())
						? "not within %d s".formatted(after.toSeconds()) : "%.2f".formatted(timeline.reached()));
				curves.put(used.name(), timeline.share());
			}
		}
		harness.chart(chartName, Svg.lines(title + ": the new pod's share of requests", "seconds after it appeared",
				"share (fair = 0.25)", curves, 0.25));
	}

}
