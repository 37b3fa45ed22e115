package io.connbalance.autoconfigure;

import io.connbalance.balance.ServiceBalancers;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;

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
@LoadBalancerClients(defaultConfiguration = ServiceLoadBalancerConfiguration.class)
public final class ConnbalanceLoadBalancerAutoConfiguration {

	private ConnbalanceLoadBalancerAutoConfiguration() {
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
