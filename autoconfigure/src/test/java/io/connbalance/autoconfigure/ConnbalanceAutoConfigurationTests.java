package io.connbalance.autoconfigure;

import java.time.Duration;

import javax.sql.DataSource;

import io.connbalance.actuate.ConnbalanceEndpoint;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.discovery.DiscoveredPods;
import io.connbalance.discovery.PodSource;
import io.connbalance.grpc.ConnbalanceNameResolverProvider;
import io.connbalance.jdbc.PodDataSource;
import io.connbalance.pod.PodRegistry;
import io.connbalance.refresh.PodRefresher;
import io.connbalance.testsupport.Await;
import io.connbalance.discovery.DiscoveryClientPodSource;
import io.connbalance.discovery.PodSource;
import io.connbalance.balance.BalancingOptions;
import io.connbalance.balance.OutlierEjection;
import io.connbalance.kubernetes.EndpointSlicePodSource;
import io.connbalance.testsupport.KubernetesApiStandIn;
import io.connbalance.testsupport.MutableDiscoveryClient;
import io.kubernetes.client.openapi.ApiClient;
import io.grpc.NameResolverProvider;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import reactor.netty.http.client.HttpClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.connbalance.metrics.ConnbalanceMeters;
import io.connbalance.http.ServiceStandardWebSocketClient;
import io.connbalance.http.ServiceWebSocketClient;
import io.connbalance.http.WebSocketSessions;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GrpcChannelFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

class ConnbalanceAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnbalanceAutoConfiguration.class,
				ConnbalanceWebClientAutoConfiguration.class, ConnbalanceRestClientAutoConfiguration.class,
				ConnbalanceLoadBalancerAutoConfiguration.class, ConnbalanceGrpcAutoConfiguration.class,
				ConnbalanceDataSourceAutoConfiguration.class, ConnbalanceEndpointAutoConfiguration.class,
				ConnbalanceMetricsAutoConfiguration.class, ConnbalanceWebSocketAutoConfiguration.class,
				EndpointAutoConfiguration.class, HttpClientAutoConfiguration.class, WebClientAutoConfiguration.class,
				RestClientAutoConfiguration.class))
		.withBean(DiscoveryClient.class, MutableDiscoveryClient::new)
		.withPropertyValues("connbalance.services.backend.port=8080",
				"management.endpoints.web.exposure.include=connbalance");

	@Test
	void aServiceTakesItsOwnTimeoutsElseTheDefaults() {
		this.contextRunner
			.withPropertyValues("connbalance.services.other.port=1", "connbalance.defaults.connect-timeout=2s",
					"connbalance.defaults.read-timeout=5s", "connbalance.services.backend.read-timeout=300ms")
			.run((context) -> {
				ConnbalanceSettings settings = context.getBean(ConnbalanceSettings.class);
				assertThat(settings.http("backend")).isEqualTo(
						new ServiceHttpOptions(Duration.ofSeconds(2), Duration.ofMillis(300), null, null, false));
				assertThat(settings.http("other"))
					.isEqualTo(new ServiceHttpOptions(Duration.ofSeconds(2), Duration.ofSeconds(5), null, null, false));
				assertThat(ClientOptionsFactory
					.create(settings, context.getBeanProvider(HttpClientSettings.class),
							context.getBeanProvider(SslBundles.class))
					.get("other")
					.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
			});
		this.contextRunner.run((context) -> {
			ConnbalanceSettings settings = context.getBean(ConnbalanceSettings.class);
			assertThat(ClientOptionsFactory
				.create(settings, context.getBeanProvider(HttpClientSettings.class),
						context.getBeanProvider(SslBundles.class))
				.get("backend")).satisfies((options) -> {
					assertThat(options.connectTimeout()).isEqualTo(ClientOptionsFactory.CONNECT_TIMEOUT);
					assertThat(options.readTimeout()).isNull();
				});
		});
	}

	@Test
	void everyPartIsConfiguredByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ServiceBalancers.class)
				.hasSingleBean(PodRefresher.class)
				.hasBean("connbalanceWebClientCustomizer")
				.hasBean("connbalanceRestClientCustomizer")
				.hasSingleBean(ConnbalanceNameResolverProvider.class)
				.hasSingleBean(ConnbalanceEndpoint.class);
			assertThat(context.getBean(PodRefresher.class).isRunning()).isTrue();
			assertThat(context.getBeansOfType(WebClientCustomizer.class)).containsKey("connbalanceWebClientCustomizer");
			assertThat(context.getBeansOfType(RestClientCustomizer.class))
				.containsKey("connbalanceRestClientCustomizer");
		});
	}

	@Test
	void inKubernetesPodsComeFromEndpointSlicesUnlessTurnedOff() throws Exception {
		try (KubernetesApiStandIn api = KubernetesApiStandIn.start()) {
			ApplicationContextRunner kubernetes = this.contextRunner
				.withConfiguration(AutoConfigurations.of(ConnbalanceKubernetesAutoConfiguration.class))
				.withBean(ApiClient.class, api::client);
			kubernetes.withPropertyValues("spring.main.cloud-platform=kubernetes")
				.run((context) -> assertThat(context).getBean(PodSource.class)
					.isInstanceOf(EndpointSlicePodSource.class));
			kubernetes
				.withPropertyValues("spring.main.cloud-platform=kubernetes",
						"connbalance.kubernetes.endpoint-slices=false")
				.run((context) -> assertThat(context).getBean(PodSource.class)
					.isInstanceOf(DiscoveryClientPodSource.class));
			kubernetes.run((context) -> assertThat(context).getBean(PodSource.class)
				.isInstanceOf(DiscoveryClientPodSource.class));
		}
	}

	@Test
	void aServiceTakesEachBalancingOptionItDoesNotSetFromTheDefaults() {
		this.contextRunner
			.withPropertyValues("connbalance.services.other.port=8080", "connbalance.defaults.slow-start=20s",
					"connbalance.defaults.outlier-ejection.consecutive-failures=3",
					"connbalance.defaults.outlier-ejection.max-ejected-percent=30",
					"connbalance.services.backend.slow-start=1m", "connbalance.services.backend.retries=2",
					"connbalance.services.backend.outlier-ejection.base-ejection-time=5s")
			.run((context) -> {
				ServiceBalancers balancers = context.getBean(ServiceBalancers.class);
				assertThat(balancers.get("backend").options()).isEqualTo(new BalancingOptions(
						new OutlierEjection(3, Duration.ofSeconds(5), Duration.ofMinutes(5), 30, 50),
						Duration.ofMinutes(1), 2));
				assertThat(balancers.get("other").options()).isEqualTo(new BalancingOptions(
						new OutlierEjection(3, Duration.ofSeconds(30), Duration.ofMinutes(5), 30, 50),
						Duration.ofSeconds(20), 1));
			});
	}

	@Test
	void whenEnabledIsFalseThenNothingIsConfigured() {
		this.contextRunner.withPropertyValues("connbalance.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(ServiceBalancers.class)
				.doesNotHaveBean(PodRefresher.class)
				.doesNotHaveBean(ConnbalanceNameResolverProvider.class)
				.doesNotHaveBean(ConnbalanceEndpoint.class)
				.doesNotHaveBean("connbalanceWebClientCustomizer")
				.doesNotHaveBean("connbalanceRestClientCustomizer");
		});
	}

	@Test
	void whenWebClientIsAbsentThenOnlyRestClientIsBalanced() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(WebClient.class)).run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean("connbalanceWebClientCustomizer")
				.hasBean("connbalanceRestClientCustomizer")
				.hasSingleBean(ConnbalanceEndpoint.class);
		});
	}

	@Test
	void metersAreBoundOnlyWhenTheApplicationHasAMeterRegistry() {
		this.contextRunner
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ConnbalanceMeters.class));
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(ConnbalanceMeters.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("connbalance.pods").tag("service", "backend").gauges()).hasSize(3);
		});
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(ConnbalanceMeters.class)
				.hasSingleBean(ConnbalanceEndpoint.class));
	}

	@Test
	void webSocketClientsForEachStackPresentAndNothingWithoutOne() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed()
			.hasSingleBean(WebSocketSessions.class)
			.hasSingleBean(ServiceWebSocketClient.class)
			.hasSingleBean(ServiceStandardWebSocketClient.class));
		this.contextRunner
			.withClassLoader(new FilteredClassLoader(ReactorNettyWebSocketClient.class, StandardWebSocketClient.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(WebSocketSessions.class));
	}

	@Test
	void whenRestClientIsAbsentThenOnlyWebClientIsBalanced() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(RestClient.class)).run((context) -> {
			assertThat(context).hasNotFailed()
				.hasBean("connbalanceWebClientCustomizer")
				.doesNotHaveBean("connbalanceRestClientCustomizer");
		});
	}

	@Test
	void aSingleDataSourceIsThePrimaryDataSourceAndSeveralAreNamedByTheirKeys() {
		String[] replicas = { "connbalance.datasources.replicas.service=backend",
				"connbalance.datasources.replicas.url=jdbc:postgresql://{host}:{port}/app" };
		this.contextRunner.withPropertyValues(replicas).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(DataSource.class).hasBean("dataSource");
			assertThat(context.getBean("replicas")).isSameAs(context.getBean(DataSource.class))
				.isInstanceOf(PodDataSource.class);
		});
		this.contextRunner.withPropertyValues(replicas)
			.withPropertyValues("connbalance.datasources.reports.service=backend",
					"connbalance.datasources.reports.url=jdbc:postgresql://{host}:{port}/reports")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean("dataSource");
				assertThat(context.getBeansOfType(DataSource.class)).containsOnlyKeys("replicas", "reports");
				assertThat(((PodDataSource) context.getBean("reports")).settings().urlTemplate()).endsWith("/reports");
			});
	}

	@Test
	void anApplicationsOwnDataSourceStaysThePrimaryOne() {
		DataSource primary = new org.springframework.jdbc.datasource.SimpleDriverDataSource();
		this.contextRunner
			.withPropertyValues("connbalance.datasources.replicas.service=backend",
					"connbalance.datasources.replicas.url=jdbc:postgresql://{host}:{port}/app")
			.withBean("dataSource", DataSource.class, () -> primary)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean("dataSource")).isSameAs(primary);
				assertThat(context.getBean("replicas")).isInstanceOf(PodDataSource.class);
				assertThat(context.getBeansOfType(DataSource.class)).containsOnlyKeys("dataSource", "replicas");
			});
	}

	@Test
	void withoutDataSourcesThereIsNoDataSource() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(DataSource.class));
	}

	@Test
	void whenGrpcIsAbsentThenThereIsNoNameResolver() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(NameResolverProvider.class)).run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(ConnbalanceNameResolverProvider.class)
				.hasBean("connbalanceRestClientCustomizer")
				.hasSingleBean(ConnbalanceEndpoint.class);
		});
	}

	@Test
	void springsGrpcChannelFactoryIsCreatedAfterTheSchemeIsRegistered() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, GrpcClientAutoConfiguration.class))
			.run((context) -> {
				String[] factories = context.getBeanFactory().getBeanNamesForType(GrpcChannelFactory.class);
				assertThat(factories).isNotEmpty();
				for (String factory : factories) {
					assertThat(context.getBeanFactory().getBeanDefinition(factory).getDependsOn())
						.contains("connbalanceNameResolverProvider");
				}
			});
	}

	@Test
	void whenApacheHttpClientIsAbsentThenRestClientIsBalancedOverReactorNetty() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HttpClients.class)).run((context) -> {
			assertThat(context).hasNotFailed()
				.hasBean("connbalanceWebClientCustomizer")
				.hasBean("connbalanceRestClientCustomizer");
		});
	}

	@Test
	void whenNeitherApacheHttpClientNorReactorNettyIsPresentThenRestClientIsBalancedOverTheJdksClient() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HttpClients.class, HttpClient.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean("connbalanceWebClientCustomizer")
				.hasBean("connbalanceRestClientCustomizer"));
	}

	@Test
	void whenActuatorIsAbsentThenThereIsNoEndpoint() {
		this.contextRunner
			.withClassLoader(
					new FilteredClassLoader(org.springframework.boot.actuate.endpoint.annotation.Endpoint.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(ServiceBalancers.class)
				.doesNotHaveBean(ConnbalanceEndpoint.class));
	}

	@Test
	void aUserPodSourceWins() {
		this.contextRunner.withUserConfiguration(UserPodSource.class).run((context) -> {
			assertThat(context).getBean(PodSource.class).isSameAs(context.getBean("userPodSource"));
			assertThat(context.getBean(PodRefresher.class).status("backend").source()).isEqualTo("user");
		});
	}

	@Test
	void userCustomizersNamedAsConnbalancesWin() {
		this.contextRunner.withUserConfiguration(UserClients.class).run((context) -> {
			assertThat(context).getBean("connbalanceWebClientCustomizer").isSameAs(UserClients.WEB_CLIENT);
			assertThat(context).getBean("connbalanceRestClientCustomizer").isSameAs(UserClients.REST_CLIENT);
		});
	}

	@Test
	void aDiscoveryChangeEventRefreshesAtOnce() {
		MutableDiscoveryClient discovery = new MutableDiscoveryClient();
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ConnbalanceAutoConfiguration.class))
			.withBean(DiscoveryClient.class, () -> discovery)
			.withPropertyValues("connbalance.services.backend.port=8080", "connbalance.refresh.interval=1h")
			.run((context) -> {
				PodRegistry registry = context.getBean(PodRegistry.class);
				assertThat(registry.get("backend").pods()).isEmpty();
				discovery.add("backend", "127.0.0.2", 8080, java.util.Map.of());
				context.publishEvent(new HeartbeatEvent(this, 1));
				Await.until(Duration.ofSeconds(5), () -> !registry.get("backend").pods().isEmpty());
				assertThat(registry.get("backend").pods()).hasSize(1);
			});
	}

	@Test
	void withoutADiscoveryClientStartupFailsWithTheFix() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ConnbalanceAutoConfiguration.class))
			.withPropertyValues("connbalance.services.backend.port=8080")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("there is none")
				.hasMessageContaining("spring.cloud.discovery.client.simple.instances"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserPodSource {

		@Bean
		PodSource userPodSource() {
			return (target) -> new DiscoveredPods("user", java.util.List.of());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserClients {

		static final WebClientCustomizer WEB_CLIENT = (builder) -> {
		};

		static final RestClientCustomizer REST_CLIENT = (builder) -> {
		};

		@Bean
		WebClientCustomizer connbalanceWebClientCustomizer() {
			return WEB_CLIENT;
		}

		@Bean
		RestClientCustomizer connbalanceRestClientCustomizer() {
			return REST_CLIENT;
		}

	}

}
