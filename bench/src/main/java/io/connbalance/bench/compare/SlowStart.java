package io.connbalance.bench.compare;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 6, slow start: the share a 4th pod takes second by second after it joins, with
 * {@code slow-start: 10s} and without.
 */
final class SlowStart implements Compare.Scenario {

	private final Harness harness;

	SlowStart(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		this.harness.header("Slow start: a 4th pod joins 3, with `slow-start: 10s` and without");
		Map<String, Timeline> timelines = new LinkedHashMap<>();
		for (String slowStart : List.of("10s", "0s")) {
			try (Fleet fleet = this.harness.httpFleet(3);
					Contender contender = Contender.named("connbalance slow-start " + slowStart, "least-request",
							"connbalance.services.backend.slow-start=" + slowStart)) {
				timelines.put(contender.name(), Timeline.follow(contender, Duration.ofSeconds(2),
						Duration.ofSeconds(14), fleet::add, Double.NaN));
			}
		}
		this.harness.line("The new pod's share of requests (fair share 0.25), averaged over the second that starts "
				+ "at the time shown after it joined:");
		this.harness.line("");
		this.harness.line("| seconds | %s |", String.join(" | ", timelines.keySet()));
		this.harness.line("| ---: |%s", " ---: |".repeat(timelines.size()));
		for (int second = 0; second <= 12; second += 2) {
			StringBuilder row = new StringBuilder("| " + second + " |");
			for (Timeline timeline : timelines.values()) {
				row.append(" ").append("%.3f".formatted(timeline.averageAround(second))).append(" |");
			}
			this.harness.line(row.toString());
		}
		Map<String, List<double[]>> curves = new LinkedHashMap<>();
		timelines.forEach((name, timeline) -> curves.put(name, timeline.share()));
		this.harness.chart("compare-slow-start.svg", Svg.lines("Slow start: the new pod's share of requests",
				"seconds after it joined", "share (fair = 0.25)", curves, 0.25));
	}

}
