package io.connbalance.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of {@code /actuator/prometheus} in the text format, parsed into series.
 */
public final class PrometheusScrape {

	private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");

	private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

	private final List<Series> series = new ArrayList<>();

	private PrometheusScrape(String text) {
		for (String line : text.split("\n")) {
			Matcher sample = SAMPLE.matcher(line);
			if (line.startsWith("#") || !sample.matches()) {
				continue;
			}
			Map<String, String> labels = new LinkedHashMap<>();
			if (sample.group(3) != null) {
				Matcher label = LABEL.matcher(sample.group(3));
				while (label.find()) {
					labels.put(label.group(1), label.group(2));
				}
			}
			this.series.add(new Series(sample.group(1), labels, Double.parseDouble(sample.group(4))));
		}
	}

	/**
	 * Scrapes an application.
	 * @param app the application, with the {@code prometheus} endpoint exposed
	 * @return the scrape
	 */
	public static PrometheusScrape of(RunningApp app) throws Exception {
		var response = app.get("/actuator/prometheus");
		if (response.statusCode() != 200) {
			throw new IllegalStateException("/actuator/prometheus answered " + response.statusCode());
		}
		return new PrometheusScrape(response.body());
	}

	/**
	 * Every series of a metric.
	 * @param name such as {@code connbalance_requests_seconds_count}
	 * @return the series
	 */
	public List<Series> series(String name) {
		return this.series.stream().filter((series) -> series.name().equals(name)).toList();
	}

	/**
	 * The names of every metric in the scrape.
	 * @return the names
	 */
	public List<String> names() {
		return this.series.stream().map(Series::name).distinct().toList();
	}

	/**
	 * The sum of a metric's series whose labels include the given ones.
	 * @param name the metric
	 * @param labels {@code name, value} pairs
	 * @return the sum, 0 when none matches
	 */
	public double sum(String name, String... labels) {
		return series(name).stream().filter((series) -> series.has(labels)).mapToDouble(Series::value).sum();
	}

	/**
	 * Sums a metric's series by the value of one label, among those whose labels include
	 * the given ones.
	 * @param name the metric
	 * @param by the label to group by
	 * @param labels {@code name, value} pairs
	 * @return the sums by label value
	 */
	public Map<String, Long> sumBy(String name, String by, String... labels) {
		Map<String, Long> sums = new LinkedHashMap<>();
		series(name).stream()
			.filter((series) -> series.has(labels))
			.forEach((series) -> sums.merge(series.labels().get(by), (long) series.value(), Long::sum));
		return sums;
	}

	/**
	 * One series.
	 *
	 * @param name the metric name
	 * @param labels its labels
	 * @param value its value
	 */
	public record Series(String name, Map<String, String> labels, double value) {

		boolean has(String... pairs) {
			for (int i = 0; i < pairs.length; i += 2) {
				if (!pairs[i + 1].equals(this.labels.get(pairs[i]))) {
					return false;
				}
			}
			return true;
		}

	}

}
