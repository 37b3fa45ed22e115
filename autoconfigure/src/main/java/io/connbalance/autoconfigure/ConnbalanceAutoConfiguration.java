package io.connbalance.autoconfigure;

import java.time.Clock;

import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.discovery.DiscoveryClientPodSource;
import io.connbalance.discovery.PodSource;
import io.connbalance.kubernetes.InformerStopLogFilter;
import io.connbalance.pod.ClientTopology;
import io.connbalance.pod.ClientTopology.Placement;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.ServiceTarget;
import io.connbalance.refresh.PodRefresher;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.util.StringUtils;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.Environment;

/**
 * The core of connbalance: resolved settings, the pod registry fed by discovery, its
 * refresher, and a balancer per service. Client bindings build on these.
 */
@AutoConfiguration(
		after = { CompositeDiscoveryClientAutoConfiguration.class, SimpleDiscoveryClientAutoConfiguration.class })
@ConditionalOnConnbalanceEnabled
@EnableConfigurationProperties(ConnbalanceProperties.class)
public final class ConnbalanceAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ConnbalanceSettings connbalanceSettings(ConnbalanceProperties properties, Environment environment) {
		UnknownProperties.check(environment);
		return ConnbalanceSettings.of(properties);
	}

	@Bean
	@ConditionalOnMissingBean
	PodRegistry connbalancePodRegistry(ConnbalanceSettings settings) {
		return new PodRegistry(settings.services().stream().map(ServiceTarget::key).toList());
	}

	/**
	 * The balancers, which every client binding uses, exist only once the refresher has
	 * run its first refresh: a bean that calls a service through them while the context
	 * starts (a {@code @PostConstruct} query, Flyway, a warm-up call) finds its pods.
	 */
	@Bean
	@ConditionalOnMissingBean
	ServiceBalancers connbalanceServiceBalancers(PodRegistry registry, ConnbalanceSettings settings,
			PodRefresher refresher, ClientTopology topology) {
		refresher.start();
		return new ServiceBalancers(registry,
				(key) -> settings.services()
					.stream()
					.filter((target) -> target.key().equals(key))
					.findFirst()
					.map((target) -> BalancingStrategy.create(target.strategy()))
					.orElseThrow(),
				settings::balancing, topology);
	}

	/**
	 * Where this client runs, from {@code connbalance.zone} and
	 * {@code connbalance.node-name}; in Kubernetes, what they leave unset is learned.
	 */
	@Bean
	@ConditionalOnMissingBean
	ClientTopology connbalanceClientTopology(ConnbalanceProperties properties) {
		return new ClientTopology(Placement.of(trimmed(properties.getZone()), trimmed(properties.getNodeName())));
	}

	private static String trimmed(String value) {
		return StringUtils.hasText(value) ? value.trim() : null;
	}

	@Bean
	@ConditionalOnMissingBean
	PodSource connbalancePodSource(ObjectProvider<DiscoveryClient> discoveryClient) {
		DiscoveryClient client = discoveryClient.getIfAvailable();
		if (client == null) {
			throw new InvalidConfigurationException("spring.cloud.discovery.enabled",
					"connbalance finds pods through a Spring Cloud DiscoveryClient and there is none",
					"Add spring-cloud-kubernetes-client-discovery (in a cluster), list pods under "
							+ "spring.cloud.discovery.client.simple.instances (locally), or define a PodSource bean.");
		}
		return new DiscoveryClientPodSource(client);
	}

	@Bean(destroyMethod = "stop")
	@ConditionalOnMissingBean
	PodRefresher connbalancePodRefresher(PodRegistry registry, PodSource source, ConnbalanceSettings settings,
			ObjectProvider<Clock> clock) {
		return new PodRefresher(registry, source, settings.services(), settings.refreshInterval(),
				clock.getIfAvailable(Clock::systemUTC));
	}

	@Bean
	RefresherLifecycle connbalanceRefresherLifecycle(PodRefresher refresher) {
		return new RefresherLifecycle(refresher);
	}

	@Bean
	ApplicationListener<HeartbeatEvent> connbalanceDiscoveryChangeListener(PodRefresher refresher) {
		return (event) -> refresher.refreshSoon();
	}

	/**
	 * Keeps client-java's informers (connbalance's EndpointSlice watch and Spring Cloud
	 * Kubernetes discovery's) from logging their own stop as errors when the application
	 * shuts down.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(
			name = { "ch.qos.logback.classic.LoggerContext", "io.kubernetes.client.informer.SharedInformerFactory" })
	static class InformerLogConfiguration {

		@Bean
		ApplicationListener<ContextClosedEvent> connbalanceInformerStopLogFilter(ApplicationContext context) {
			return (event) -> {
				// not when a child context closes while the application runs on
				if (event.getApplicationContext() == context) {
					InformerStopLogFilter.install();
				}
			};
		}

	}

}
