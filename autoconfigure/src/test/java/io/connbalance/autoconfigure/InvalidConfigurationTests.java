package io.connbalance.autoconfigure;

import java.util.Map;

import io.connbalance.testsupport.MutableDiscoveryClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each invalid setting fails startup with a message naming the property and the fix.
 */
class InvalidConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnbalanceAutoConfiguration.class))
		.withBean(DiscoveryClient.class, () -> new MutableDiscoveryClient().add("backend", "127.0.0.2", 8080,
				Map.of("port.http", "8080", "port.metrics", "9100")));

	@Test
	void anUnknownStrategy() {
		assertFailure(analysis("connbalance.services.backend.strategy=fastest"),
				"Invalid property 'connbalance.services.backend.strategy': unknown strategy 'fastest'",
				"Use one of: round-robin, least-request, peak-ewma.");
		assertFailure(analysis("connbalance.defaults.strategy=random", "connbalance.services.backend.port=1"),
				"Invalid property 'connbalance.defaults.strategy': unknown strategy 'random'",
				"Use one of: round-robin, least-request, peak-ewma.");
	}

	@Test
	void invalidTimeouts() {
		assertFailure(
				analysis("connbalance.services.backend.port=1", "connbalance.services.backend.connect-timeout=0s"),
				"Invalid property 'connbalance.services.backend.connect-timeout': must be positive, was PT0S",
				"Set a duration such as 1s, or remove it for the default.");
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.defaults.read-timeout=-1s"),
				"Invalid property 'connbalance.defaults.read-timeout': must be positive, was PT-1S",
				"Set a duration such as 5s, or remove it for no limit.");
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.kubernetes.watch-timeout=500ms"),
				"Invalid property 'connbalance.kubernetes.watch-timeout': must be at least 1s and less than 1h, was PT0.5S",
				"Set a duration such as 60s.");
		assertFailure(
				analysis("connbalance.services.backend.port=1",
						"connbalance.services.backend.max-connections-per-pod=0"),
				"Invalid property 'connbalance.services.backend.max-connections-per-pod': must be at least 1, was 0",
				"Set a positive number, or remove it for connbalance.http.max-connections-per-pod.");
		assertFailure(
				analysis(
						this.contextRunner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class,
								ConnbalanceRestClientAutoConfiguration.class)),
						"connbalance.services.backend.port=1", "connbalance.services.backend.ssl-bundle=nope"),
				"Invalid property 'connbalance.services.backend.ssl-bundle': names SSL bundle 'nope', which does not "
						+ "exist",
				"Define it under spring.ssl.bundle.pem.nope or spring.ssl.bundle.jks.nope");
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.grpc.drain-timeout=0s"),
				"Invalid property 'connbalance.grpc.drain-timeout': must be positive, was PT0S",
				"Set a duration such as 30s.");
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.defaults.locality=nearby"),
				"Invalid property 'connbalance.defaults.locality': unknown locality 'nearby'",
				"Use one of: hints, prefer-zone, off.");
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.services.backend.subset-size=-1"),
				"Invalid property 'connbalance.services.backend.subset-size': must be 0 (every pod) or positive, was -1",
				"Set a size such as 20, or 0 to use every pod.");
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.stats.window=500ms"),
				"Invalid property 'connbalance.stats.window': must be at least 1s, was PT0.5S",
				"Set a duration such as 30s.");
	}

	@Test
	void invalidSlowStartRetriesAndOutlierEjection() {
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.services.backend.slow-start=-5s"),
				"Invalid property 'connbalance.services.backend.slow-start': must be zero or positive, was PT-5S",
				"Set a window such as 30s, or 0s for no slow start.");
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.defaults.retries=-1"),
				"Invalid property 'connbalance.defaults.retries': must be between 0 and 10, was -1",
				"Set 1 to retry once on another pod, or 0 for no retries.");
		assertFailure(
				analysis("connbalance.services.backend.port=1",
						"connbalance.services.backend.outlier-ejection.max-ejected-percent=150"),
				"Invalid property 'connbalance.services.backend.outlier-ejection.max-ejected-percent': must be between 0 and 100, was 150",
				"Set a percentage such as 10.");
		assertFailure(
				analysis("connbalance.services.backend.port=1",
						"connbalance.defaults.outlier-ejection.base-ejection-time=10m"),
				"Invalid property 'connbalance.defaults.outlier-ejection.max-ejection-time': must not be shorter than the base ejection time PT10M, was PT5M",
				"Set a duration such as 5m.");
		assertFailure(
				analysis("connbalance.services.backend.port=1",
						"connbalance.defaults.outlier-ejection.consecutive-failures=-2"),
				"Invalid property 'connbalance.defaults.outlier-ejection.consecutive-failures': must be zero or positive, was -2",
				"Set a count such as 5, or 0 for no ejection.");
	}

	@Test
	void anUnknownKeyNamesTheKnownOnes() {
		assertFailure(
				analysis("connbalance.services.backend.port=1", "connbalance.services.backend.stratgy=round-robin"),
				"Invalid property 'connbalance.services.backend.stratgy': there is no connbalance property 'stratgy' "
						+ "under 'connbalance.services.<key>'",
				"Known keys under connbalance.services.<key>: connect-timeout, http2, locality, "
						+ "max-connections-per-pod, outlier-ejection, port, port-name, read-timeout, retries, service-id, "
						+ "slow-start, ssl-bundle, strategy, subset-size, websocket. Correct or remove it.");
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.refersh.interval=1s"),
				"there is no connbalance property 'refersh' under 'connbalance'", "Known keys under connbalance: ");
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.enabled.really=true"),
				"'connbalance.enabled' is a value, with no keys below it", "Remove it.");
	}

	@Test
	void knownKeysInAnyFormAndKubernetesServiceVariablesPass() {
		this.contextRunner
			.withPropertyValues("connbalance.services.backend.port=1", "connbalance.http.maxConnectionsPerPod=7",
					"connbalance.defaults.outlier-ejection.consecutive-failures=3",
					"connbalance.services.backend.outlier-ejection.base-ejection-time=10s",
					"connbalance.datasources.replicas.service=backend",
					"connbalance.datasources.replicas.url=jdbc:postgresql://{host}:{port}/app")
			// what Kubernetes sets for a Service named connbalance in the namespace
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
								Map.of("CONNBALANCE_SERVICE_HOST", "10.96.0.12", "CONNBALANCE_PORT",
										"tcp://10.96.0.12:80"))))
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void aNonPositiveRefreshInterval() {
		assertFailure(analysis("connbalance.refresh.interval=0s", "connbalance.services.backend.port=1"),
				"Invalid property 'connbalance.refresh.interval': must be positive, was PT0S",
				"Set a positive duration such as 5s.");
		assertFailure(analysis("connbalance.refresh.interval=-1s", "connbalance.services.backend.port=1"),
				"'connbalance.refresh.interval': must be positive", "Set a positive duration");
	}

	@Test
	void aPortNameTheInstancesDoNotHave() {
		assertFailure(analysis("connbalance.services.backend.port-name=grpc"),
				"Invalid property 'connbalance.services.backend.port-name': The instances of service 'backend' have no port named 'grpc' (named ports: http, metrics)",
				"Set connbalance.services.backend.port-name to one of the named ports, or remove it");
	}

	@Test
	void aDataSourceNamingAnUnknownService() {
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.datasources.replicas.service=pg"),
				"Invalid property 'connbalance.datasources.replicas.service': names the unknown service 'pg'",
				"Use a key of connbalance.services [backend], or add connbalance.services.pg.");
	}

	@Test
	void aDataSourceUrlWithoutAHostPlaceholderOrATooShortTimeout() {
		assertFailure(
				analysis("connbalance.services.backend.port=1", "connbalance.datasources.replicas.service=backend",
						"connbalance.datasources.replicas.url=jdbc:postgresql://db:5432/app"),
				"Invalid property 'connbalance.datasources.replicas.url': has no {host} placeholder",
				"Set a JDBC URL with {host} and {port} for each pod's address, such as jdbc:postgresql://{host}:{port}/app.");
		assertFailure(
				analysis("connbalance.services.backend.port=1", "connbalance.datasources.replicas.service=backend",
						"connbalance.datasources.replicas.url=jdbc:postgresql://{host}:{port}/app",
						"connbalance.datasources.replicas.connection-timeout=10ms"),
				"Invalid property 'connbalance.datasources.replicas.connection-timeout': must be at least 250ms, was PT0.01S",
				"Set a duration such as 5s.");
	}

	@Test
	void aServiceKeyThatIsNotAHostName() {
		assertFailure(analysis("connbalance.services.back_end.port=1"),
				"Invalid property 'connbalance.services.back_end': the key 'back_end' is not a valid host name",
				"Use lower-case letters, digits and '-'");
	}

	@Test
	void bothPortAndPortName() {
		assertFailure(analysis("connbalance.services.backend.port=1", "connbalance.services.backend.port-name=http"),
				"Invalid property 'connbalance.services.backend.port-name': is set together with connbalance.services.backend.port",
				"Set only one of them.");
	}

	@Test
	void aValidConfigurationStarts() {
		this.contextRunner.withPropertyValues("connbalance.services.backend.port-name=metrics")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	private FailureAnalysis analysis(String... properties) {
		return analysis(this.contextRunner, properties);
	}

	private static FailureAnalysis analysis(ApplicationContextRunner runner, String... properties) {
		FailureAnalysis[] analysis = new FailureAnalysis[1];
		runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasFailed();
			analysis[0] = new ConnbalanceFailureAnalyzer().analyze(context.getStartupFailure());
		});
		return analysis[0];
	}

	private static void assertFailure(FailureAnalysis analysis, String description, String action) {
		assertThat(analysis).as("failure analysis").isNotNull();
		assertThat(analysis.getDescription()).contains(description);
		assertThat(analysis.getAction()).contains(action);
	}

}
