package io.connbalance.autoconfigure;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.metrics.ConnbalanceMeters;
import io.connbalance.refresh.PodRefresher;
import io.connbalance.stats.ConnectionCounter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * connbalance's Micrometer meters, when the application has a {@link MeterRegistry}.
 */
@AutoConfiguration(
		after = { ConnbalanceAutoConfiguration.class, ConnbalanceWebClientAutoConfiguration.class,
				ConnbalanceRestClientAutoConfiguration.class, ConnbalanceGrpcAutoConfiguration.class,
				ConnbalanceDataSourceAutoConfiguration.class },
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, ServiceBalancers.class, PodRefresher.class })
public final class ConnbalanceMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ConnbalanceMeters connbalanceMeters(MeterRegistry registry, ServiceBalancers balancers, PodRefresher refresher,
			ObjectProvider<ConnectionCounter> counters, ObjectProvider<Clock> clock) {
		return new ConnbalanceMeters(registry, balancers, refresher, counters.orderedStream().toList(),
				clock.getIfAvailable(Clock::systemUTC));
	}

}
