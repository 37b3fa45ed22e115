package io.connbalance.loadbalancer;

import io.connbalance.balance.NoPodAvailableException;
import io.connbalance.balance.ServiceBalancer;
import io.connbalance.pod.Pod;
import io.connbalance.stats.PodStats;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;

/**
 * A Spring Cloud LoadBalancer that chooses among connbalance's current pods with the
 * service's strategy, so {@code @LoadBalanced} clients see pod changes at once instead of
 * through LoadBalancer's instance cache.
 */
public final class ServiceLoadBalancer implements ReactorServiceInstanceLoadBalancer {

	private final ServiceBalancer balancer;

	/**
	 * Creates the load balancer.
	 * @param balancer the service's balancer
	 */
	public ServiceLoadBalancer(ServiceBalancer balancer) {
		this.balancer = balancer;
	}

	@Override
	public Mono<Response<ServiceInstance>> choose(Request request) {
		return Mono.fromSupplier(this::chooseNow);
	}

	private Response<ServiceInstance> chooseNow() {
		try {
			PodStats chosen = this.balancer.choose();
			Pod pod = chosen.pod();
			return new DefaultResponse(
					new DefaultServiceInstance(pod.name(), this.balancer.service(), pod.host(), pod.port(), false));
		}
		catch (NoPodAvailableException ex) {
			return new EmptyResponse();
		}
	}

}
