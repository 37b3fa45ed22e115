package io.connbalance.bench.compare;

import java.util.ArrayList;
import java.util.List;

import io.connbalance.testsupport.MutableDiscoveryClient;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.loadbalancer.cache.LoadBalancerCacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * One way of calling the pods, each in its own Spring Boot application context built as
 * users build theirs, all sending {@code GET /whoami} through a WebClient and reading the
 * answering pod's name.
 */
final class Contender implements AutoCloseable {

	/** The discovery every contender that discovers reads: one service, "backend". */
	static final MutableDiscoveryClient DISCOVERY = new MutableDiscoveryClient();

	private final String name;

	private final ConfigurableApplicationContext context;

	private final WebClient client;

	private final String url;

	private Contender(String name, ConfigurableApplicationContext context, String base) {
		this.name = name;
		this.context = context;
		this.client = context.getBean(WebClient.Builder.class).build();
		this.url = base + "/whoami";
	}

	/**
	 * connbalance with a strategy: Boot's WebClient.Builder calling http://backend.
	 * @param strategy the strategy
	 * @param properties more properties, such as a slow start
	 * @return the contender
	 */
	static Contender connbalance(String strategy, String... properties) {
		return named("connbalance " + strategy, strategy, properties);
	}

	/**
	 * connbalance with a strategy, under a name of its own.
	 * @param name the contender's name
	 * @param strategy the strategy
	 * @param properties more properties
	 * @return the contender
	 */
	static Contender named(String name, String strategy, String... properties) {
		List<String> all = new ArrayList<>(List.of("connbalance.services.backend.strategy=" + strategy));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = start(all);
		return new Contender(name, context, "http://backend");
	}

	/**
	 * Spring Cloud LoadBalancer as users run it: a {@code @LoadBalanced}
	 * WebClient.Builder, its default round-robin and its 35 s instance cache, over the
	 * same discovery.
	 * @return the contender
	 */
	static Contender springCloudLoadBalancer() {
		ConfigurableApplicationContext context = start(
				List.of("connbalance.enabled=false", "bench.load-balanced=true"));
		return new Contender("Spring Cloud LoadBalancer", context, "http://backend");
	}

	/**
	 * A plain WebClient (Boot's, with connbalance off) calling a fixed address: a pod,
	 * the kube-proxy Service address or the HAProxy hop.
	 * @param name the contender's name
	 * @param base the URL base
	 * @return the contender
	 */
	static Contender plain(String name, String base) {
		ConfigurableApplicationContext context = start(List.of("connbalance.enabled=false"));
		return new Contender(name, context, base);
	}

	private static ConfigurableApplicationContext start(List<String> properties) {
		List<String> all = new ArrayList<>(List.of("spring.main.banner-mode=off", "logging.level.root=WARN",
				"logging.level.io.connbalance=ERROR", "spring.cloud.discovery.reactive.enabled=false",
				"connbalance.refresh.interval=1s", "spring.cloud.compatibility-verifier.enabled=false"));
		all.addAll(properties);
		return new SpringApplicationBuilder(BenchApplication.class).web(WebApplicationType.NONE)
			.properties(all.toArray(String[]::new))
			.run();
	}

	String name() {
		return this.name;
	}

	/**
	 * Sends one request.
	 * @param request the caller's request number (unused)
	 * @return the name of the pod that answered
	 */
	String call(int request) {
		return this.client.get().uri(this.url).retrieve().bodyToMono(String.class).block();
	}

	/**
	 * The Spring Cloud LoadBalancer instance cache in use, for the report.
	 * @return {@code " (cache: <class>)"}, or empty for other contenders
	 */
	String cache() {
		String[] names = this.context.getBeanNamesForType(LoadBalancerCacheManager.class);
		boolean loadBalanced = this.context.getEnvironment().getProperty("bench.load-balanced", Boolean.class, false);
		return (!loadBalanced || names.length == 0) ? "" : " (cache: "
				+ this.context.getBean(names[0], LoadBalancerCacheManager.class).getClass().getSimpleName() + ")";
	}

	@Override
	public void close() {
		this.context.close();
	}

	/**
	 * The contenders' application: discovery, and for the Spring Cloud LoadBalancer
	 * contender a {@code @LoadBalanced} builder with caching enabled (without
	 * {@code @EnableCaching} it lists instances on every request and warns that it has no
	 * cache).
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class BenchApplication {

		@Bean
		DiscoveryClient benchDiscoveryClient() {
			return DISCOVERY;
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnProperty("bench.load-balanced")
		@EnableCaching
		static class LoadBalancedConfiguration {

			@Bean
			@LoadBalanced
			WebClient.Builder loadBalancedWebClientBuilder() {
				return WebClient.builder();
			}

		}

	}

}
