package io.connbalance.autoconfigure;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.loadbalancer.ServiceLoadBalancer;
import io.connbalance.loadbalancer.ServiceLoadBalancerLifecycle;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Makes Spring Cloud LoadBalancer ({@code @LoadBalanced} clients) choose among
 * connbalance's current pods with the service's strategy, instead of its own cached
 * instance list. Services that connbalance does not manage keep LoadBalancer's
 * round-robin.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ ReactorLoadBalancer.class, LoadBalancerClientFactory.class })
@ConditionalOnBean(ServiceBalancers.class)
@LoadBalancerClients(defaultConfiguration = ConnbalanceLoadBalancerAutoConfiguration.ServiceLoadBalancerConfiguration.class)
public final class ConnbalanceLoadBalancerAutoConfiguration {

	/**
	 * The configuration of each LoadBalancer client context.
	 */
	@Configuration(proxyBeanMethods = false)
	static class ServiceLoadBalancerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ReactorLoadBalancer<ServiceInstance> connbalanceReactorLoadBalancer(Environment environment,
				LoadBalancerClientFactory factory, ObjectProvider<ServiceBalancers> balancers) {
			String name = LoadBalancerClientFactory.getName(environment);
			ServiceBalancer balancer = balancer(balancers, name);
			if (balancer != null) {
				return new ServiceLoadBalancer(balancer);
			}
			return new RoundRobinLoadBalancer(factory.getLazyProvider(name, ServiceInstanceListSupplier.class), name);
		}

		@Bean
		LoadBalancerLifecycle<Object, Object, ServiceInstance> connbalanceLoadBalancerLifecycle(
				Environment environment, ObjectProvider<ServiceBalancers> balancers) {
			ServiceBalancer balancer = balancer(balancers, LoadBalancerClientFactory.getName(environment));
			return (balancer != null) ? new ServiceLoadBalancerLifecycle(balancer) : new NoOpLifecycle();
		}

		private static ServiceBalancer balancer(ObjectProvider<ServiceBalancers> balancers, String name) {
			ServiceBalancers all = balancers.getIfAvailable();
			return (all != null) ? all.get(name) : null;
		}

	}

	/**
	 * The lifecycle of services connbalance does not manage.
	 */
	static final class NoOpLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {

		@Override
		public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
			return false;
		}

		@Override
		public void onStart(org.springframework.cloud.client.loadbalancer.Request<Object> request) {
		}

		@Override
		public void onStartRequest(org.springframework.cloud.client.loadbalancer.Request<Object> request,
				org.springframework.cloud.client.loadbalancer.Response<ServiceInstance> lbResponse) {
		}

		@Override
		public void onComplete(
				org.springframework.cloud.client.loadbalancer.CompletionContext<Object, ServiceInstance, Object> context) {
		}

	}

}
