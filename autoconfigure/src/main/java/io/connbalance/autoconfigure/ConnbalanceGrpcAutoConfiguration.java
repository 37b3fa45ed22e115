package io.connbalance.autoconfigure;

import io.grpc.NameResolverProvider;
import org.springframework.boot.autoconfigure.AbstractDependsOnBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GrpcChannelFactory;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.grpc.ConnbalanceNameResolverProvider;
import io.connbalance.grpc.GrpcConnections;
import io.connbalance.pod.PodRegistry;
import io.connbalance.refresh.PodRefresher;

/**
 * Serves the gRPC target {@code connbalance:///<service key>}: a name resolver fed by the
 * pod registry, registered with grpc-java while the application runs, and connbalance's
 * load-balancing policy behind it.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass(NameResolverProvider.class)
@ConditionalOnBean(ServiceBalancers.class)
public final class ConnbalanceGrpcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	GrpcConnections connbalanceGrpcConnections() {
		return new GrpcConnections();
	}

	@Bean(initMethod = "register", destroyMethod = "close")
	@ConditionalOnMissingBean
	ConnbalanceNameResolverProvider connbalanceNameResolverProvider(PodRegistry registry, ServiceBalancers balancers,
			GrpcConnections connections, PodRefresher refresher) {
		return new ConnbalanceNameResolverProvider(registry, balancers, connections, refresher::refreshSoon);
	}

	/**
	 * Spring's channel factories build channels that may name {@code connbalance:///}
	 * targets: the scheme must be registered before the first of them exists.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(GrpcChannelFactory.class)
	static class ChannelFactoryConfiguration {

		@Bean
		static ChannelFactoryDependsOnNameResolver connbalanceChannelFactoryDependsOnNameResolver() {
			return new ChannelFactoryDependsOnNameResolver();
		}

	}

	static final class ChannelFactoryDependsOnNameResolver extends AbstractDependsOnBeanFactoryPostProcessor {

		ChannelFactoryDependsOnNameResolver() {
			super(GrpcChannelFactory.class, ConnbalanceNameResolverProvider.class);
		}

	}

}
