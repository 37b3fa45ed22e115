package io.connbalance.autoconfigure;

import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AbstractDependsOnBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientProperties;
import org.springframework.core.env.Environment;
import org.springframework.grpc.client.GrpcChannelBuilderCustomizer;
import org.springframework.grpc.client.GrpcChannelFactory;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.grpc.ConnbalanceNameResolverProvider;
import io.connbalance.grpc.DrainDeadlineInterceptor;
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
			GrpcConnections connections, PodRefresher refresher, ConnbalanceSettings settings) {
		return new ConnbalanceNameResolverProvider(registry, balancers, connections, refresher::refreshSoon,
				settings.grpcDrainTimeout());
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

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ GrpcChannelFactory.class, GrpcClientProperties.class })
	static class ChannelCustomizerConfiguration {

		/**
		 * Lets connbalance cancel the calls of a pod that left once its drain timeout has
		 * passed, on the channels of {@code connbalance:///} targets only. The factory
		 * names a channel as the application asked for it: a target, or a channel name
		 * whose target is {@code spring.grpc.client.channel.<name>.target}, found as
		 * Spring Boot's channel factory finds it.
		 */
		@Bean
		@ConditionalOnMissingBean(name = "connbalanceDrainDeadlineCustomizer")
		<T extends ManagedChannelBuilder<T>> GrpcChannelBuilderCustomizer<T> connbalanceDrainDeadlineCustomizer(
				Environment environment, ObjectProvider<GrpcClientProperties> clientProperties) {
			DrainDeadlineInterceptor interceptor = new DrainDeadlineInterceptor();
			String scheme = ConnbalanceNameResolverProvider.SCHEME + ":";
			return (name, builder) -> {
				GrpcClientProperties properties = clientProperties.getIfAvailable();
				GrpcClientProperties.Channel channel = (properties != null) ? properties.getChannel().get(name) : null;
				String target = (channel != null) ? channel.getTarget() : name;
				if (target != null && environment.resolvePlaceholders(target).startsWith(scheme)) {
					builder.intercept(interceptor);
				}
			};
		}

	}

	static final class ChannelFactoryDependsOnNameResolver extends AbstractDependsOnBeanFactoryPostProcessor {

		ChannelFactoryDependsOnNameResolver() {
			super(GrpcChannelFactory.class, ConnbalanceNameResolverProvider.class);
		}

	}

}
