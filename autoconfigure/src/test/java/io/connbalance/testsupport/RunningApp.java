package io.connbalance.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connbalance.refresh.PodRefresher;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A real application using connbalance: a web server on 127.0.0.1 exposing
 * {@code /actuator/connbalance}, with a test-controlled discovery client.
 */
public final class RunningApp implements AutoCloseable {

	/** Excluded unless a test sets {@code spring.autoconfigure.exclude=} itself. */
	public static final String NO_DATABASE = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration";

	private static final JsonMapper json = JsonMapper.builder().build();

	private final ConfigurableApplicationContext context;

	private final HttpClient actuatorClient = HttpClient.newHttpClient();

	private RunningApp(ConfigurableApplicationContext context) {
		this.context = context;
	}

	/**
	 * Starts the application.
	 * @param discovery the discovery client it uses
	 * @param configuration extra configuration classes (may be empty)
	 * @param properties extra properties, {@code key=value}
	 * @return the running application
	 */
	public static RunningApp start(MutableDiscoveryClient discovery, List<Class<?>> configuration,
			String... properties) {
		return start((context) -> context.getBeanFactory().registerSingleton("mutableDiscoveryClient", discovery),
				configuration, properties);
	}

	/**
	 * Starts the application.
	 * @param initializer what to do to the context before it is refreshed, such as
	 * registering beans that the test made
	 * @param configuration extra configuration classes (may be empty)
	 * @param properties extra properties, {@code key=value}
	 * @return the running application
	 */
	public static RunningApp start(ApplicationContextInitializer<ConfigurableApplicationContext> initializer,
			List<Class<?>> configuration, String... properties) {
		List<Class<?>> sources = new ArrayList<>(configuration);
		sources.add(App.class);
		List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
				"spring.main.banner-mode=off", "management.endpoints.web.exposure.include=connbalance",
				"connbalance.services.backend.service-id=backend",
				// tracing is on the test class path for the tests of trace propagation
				"management.tracing.enabled=false",
				// the test class path has a JDBC driver but most tests configure no
				// database
				"spring.autoconfigure.exclude=" + NO_DATABASE));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(sources.toArray(Class[]::new))
			.initializers(initializer)
			.properties(all.toArray(String[]::new))
			.run();
		return new RunningApp(context);
	}

	public static RunningApp start(MutableDiscoveryClient discovery, String... properties) {
		return start(discovery, List.of(), properties);
	}

	public ConfigurableApplicationContext context() {
		return this.context;
	}

	public <T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	public PodRefresher refresher() {
		return bean(PodRefresher.class);
	}

	public WebClient webClient() {
		return bean(WebClient.Builder.class).build();
	}

	public RestClient restClient() {
		return bean(RestClient.Builder.class).build();
	}

	public int port() {
		return ((WebServerApplicationContext) this.context).getWebServer().getPort();
	}

	/**
	 * GETs an actuator path.
	 * @param path such as {@code /actuator/connbalance}
	 * @return the response
	 */
	public HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.actuatorClient.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * The endpoint's object for one service.
	 * @param service the service key
	 * @return the parsed JSON
	 */
	public JsonNode endpoint(String service) throws IOException, InterruptedException {
		HttpResponse<String> response = get("/actuator/connbalance/" + service);
		if (response.statusCode() != 200) {
			throw new IllegalStateException("Endpoint answered " + response.statusCode() + ": " + response.body());
		}
		return json.readTree(response.body());
	}

	/**
	 * A field of every pod in the endpoint, by pod name.
	 * @param service the service key
	 * @param path such as {@code /requests/total}
	 * @return the values
	 */
	public Map<String, Long> podValues(String service, String path) throws IOException, InterruptedException {
		Map<String, Long> values = new HashMap<>();
		for (JsonNode pod : endpoint(service).get("pods")) {
			values.put(pod.get("name").asString(), pod.at(path).asLong());
		}
		return values;
	}

	/**
	 * One pod of a service in the endpoint.
	 * @param service the service key
	 * @param name the pod name
	 * @return the pod's object, or {@code null} when the endpoint does not list it
	 */
	public JsonNode pod(String service, String name) throws IOException, InterruptedException {
		for (JsonNode pod : endpoint(service).get("pods")) {
			if (pod.get("name").asString().equals(name)) {
				return pod;
			}
		}
		return null;
	}

	public static JsonNode parse(String body) {
		return json.readTree(body);
	}

	@Override
	public void close() {
		this.context.close();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
