package io.connbalance.autoconfigure;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.loadbalancer.ServiceLoadBalancer;
import io.connbalance.loadbalancer.ServiceLoadBalancerLifecycle;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The configuration of each LoadBalancer client context (a child context per service
 * name). Top-level on purpose: a nested configuration class would also be registered in
 * the application context, where no client name is set.
 */
@Configuration(proxyBeanMethods = false)
class ServiceLoadBalancerConfiguration {

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
	LoadBalancerLifecycle<Object, Object, ServiceInstance> connbalanceLoadBalancerLifecycle(Environment environment,
			ObjectProvider<ServiceBalancers> balancers) {
		ServiceBalancer balancer = balancer(balancers, LoadBalancerClientFactory.getName(environment));
		return (balancer != null) ? new ServiceLoadBalancerLifecycle(balancer) : new NoOpLifecycle();
	}

	private static ServiceBalancer balancer(ObjectProvider<ServiceBalancers> balancers, String name) {
		ServiceBalancers all = balancers.getIfAvailable();
		return (all != null) ? all.get(name) : null;
	}

	/**
	 * The lifecycle of services connbalance does not manage.
	 */
	private static final class NoOpLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {

		@Override
		public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
			return false;
		}

		@Override
		public void onStart(Request<Object> request) {
		}

		@Override
		public void onStartRequest(Request<Object> request, Response<ServiceInstance> lbResponse) {
		}

		@Override
		public void onComplete(CompletionContext<Object, ServiceInstance, Object> context) {
		}

	}

}
