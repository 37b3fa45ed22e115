package io.connbalance.autoconfigure;

import io.connbalance.actuate.ConnbalanceEndpoint;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.ClientTopology;
import io.connbalance.refresh.PodRefresher;
import io.connbalance.stats.ConnectionCounter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code connbalance} actuator endpoint.
 */
@AutoConfiguration(after = { ConnbalanceAutoConfiguration.class, ConnbalanceWebClientAutoConfiguration.class,
		ConnbalanceRestClientAutoConfiguration.class })
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(ServiceBalancers.class)
@ConditionalOnAvailableEndpoint(ConnbalanceEndpoint.class)
public final class ConnbalanceEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ConnbalanceEndpoint connbalanceEndpoint(ConnbalanceSettings settings, ServiceBalancers balancers,
			PodRefresher refresher, ObjectProvider<ConnectionCounter> counters, ClientTopology topology) {
		return new ConnbalanceEndpoint(settings.services(), balancers, refresher, counters.orderedStream().toList(),
				settings.statsWindow(), topology::placement);
	}

	@Bean
	StatsWindowLifecycle connbalanceStatsWindow(ConnbalanceSettings settings, ServiceBalancers balancers) {
		return new StatsWindowLifecycle(balancers, settings.statsWindow());
	}

}
