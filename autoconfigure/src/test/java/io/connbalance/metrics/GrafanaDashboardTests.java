package io.connbalance.metrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import io.connbalance.testsupport.ClientKind;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.connbalance.testsupport.PodServer;
import io.connbalance.testsupport.PodServers;
import io.connbalance.testsupport.PrometheusScrape;
import io.connbalance.testsupport.RunningApp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard in {@code docs/}: every query names metrics and labels that a
 * real application's {@code /actuator/prometheus} has.
 */
class GrafanaDashboardTests {

	private static final Path DASHBOARD = Path.of("..", "docs", "grafana-dashboard.json");

	private static final Pattern METRIC = Pattern.compile("\\bconnbalance_[a-z_]+");

	/** Labels named in {@code by (...)}, {@code ignoring (...)} and matchers. */
	private static final Pattern GROUPING = Pattern
		.compile("\\b(?:by|without|ignoring|on|group_left|group_right)\\s*\\(([^)]*)\\)");

	private static final Pattern MATCHER = Pattern.compile("([a-z_]+)\\s*(?:=~|!~|!=|=)\\s*\"");

	@Test
	void everyQueryNamesMetricsAndLabelsThatTheApplicationExports() throws Exception {
		JsonNode dashboard = RunningApp.parse(Files.readString(DASHBOARD));
		List<String> queries = queries(dashboard);
		assertThat(queries).hasSizeGreaterThanOrEqualTo(14);
		MutableDiscoveryClient discovery = new MutableDiscoveryClient();
		try (PodServers<PodServer> pods = PodServers.start(2)) {
			pods.all().forEach((pod) -> discovery.add("backend", pod));
			try (RunningApp app = RunningApp.start(discovery,
					"management.endpoints.web.exposure.include=connbalance,prometheus")) {
				ClientKind.WEB_CLIENT.client(app).apply("http://backend/");
				PrometheusScrape scrape = PrometheusScrape.of(app);
				Set<String> exported = new HashSet<>(scrape.names());
				for (String query : queries) {
					List<String> metrics = matches(METRIC, query, 0);
					assertThat(metrics).as("metrics of %s", query).isNotEmpty();
					assertThat(exported).as("metrics exported, for %s", query).containsAll(metrics);
					Set<String> labels = new HashSet<>();
					metrics.forEach((metric) -> scrape.series(metric)
						.forEach((series) -> labels.addAll(series.labels().keySet())));
					for (String grouping : matches(GROUPING, query, 1)) {
						for (String label : grouping.split(",")) {
							assertThat(labels).as("labels of %s in %s", metrics, query).contains(label.trim());
						}
					}
					assertThat(labels).as("labels of %s in %s", metrics, query).containsAll(matches(MATCHER, query, 1));
					assertThat(query.chars().filter((c) -> c == '(').count()).as("parentheses of %s", query)
						.isEqualTo(query.chars().filter((c) -> c == ')').count());
				}
			}
		}
	}

	@Test
	void panelsHaveUniqueIdsAndEachQueriesThePrometheusDataSourceVariable() throws Exception {
		JsonNode dashboard = RunningApp.parse(Files.readString(DASHBOARD));
		Set<Integer> ids = new HashSet<>();
		for (JsonNode panel : dashboard.get("panels")) {
			assertThat(ids.add(panel.get("id").asInt())).as("unique id of %s", panel.get("title")).isTrue();
			assertThat(panel.at("/datasource/uid").asString()).isEqualTo("${datasource}");
			assertThat(panel.get("targets")).isNotEmpty();
		}
		assertThat(ids).hasSize(dashboard.get("panels").size());
	}

	private static List<String> queries(JsonNode dashboard) {
		List<String> queries = new ArrayList<>();
		dashboard.get("panels")
			.forEach((panel) -> panel.get("targets").forEach((t) -> queries.add(t.get("expr").asString())));
		dashboard.at("/templating/list").forEach((variable) -> {
			if (variable.has("definition")) {
				queries.add(variable.get("definition").asString());
			}
		});
		return queries;
	}

	private static List<String> matches(Pattern pattern, String text, int group) {
		List<String> found = new ArrayList<>();
		Matcher matcher = pattern.matcher(text);
		while (matcher.find()) {
			found.add(matcher.group(group));
		}
		return found;
	}

}
