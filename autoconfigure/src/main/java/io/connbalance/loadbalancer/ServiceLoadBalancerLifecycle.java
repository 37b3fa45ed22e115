package io.connbalance.loadbalancer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.pod.Pod;
import io.connbalance.stats.PodStats;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.ResponseData;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Counts the requests that {@code @LoadBalanced} clients send through
 * {@link ServiceLoadBalancer}, so per-pod statistics and least-request see them too.
 */
public final class ServiceLoadBalancerLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {

	private final ServiceBalancer balancer;

	private final Map<RequestKey, PodStats> started = new ConcurrentHashMap<>();

	/**
	 * Creates the lifecycle.
	 * @param balancer the service's balancer
	 */
	public ServiceLoadBalancerLifecycle(ServiceBalancer balancer) {
		this.balancer = balancer;
	}

	@Override
	public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
		return ServiceInstance.class.isAssignableFrom(serverTypeClass);
	}

	@Override
	public void onStart(Request<Object> request) {
	}

	@Override
	public void onStartRequest(Request<Object> request, Response<ServiceInstance> lbResponse) {
		ServiceInstance instance = (lbResponse != null) ? lbResponse.getServer() : null;
		if (instance == null) {
			return;
		}
		PodStats pod = this.balancer.find(Pod.of(instance.getHost(), instance.getPort()).address());
		if (pod != null && pod.begin()) {
			this.started.put(new RequestKey(request), pod);
		}
	}

	@Override
	public void onComplete(CompletionContext<Object, ServiceInstance, Object> context) {
		PodStats pod = this.started.remove(new RequestKey(context.getLoadBalancerRequest()));
		if (pod != null) {
			pod.end(isFailure(context));
		}
	}

	private static boolean isFailure(CompletionContext<Object, ServiceInstance, Object> context) {
		if (context.status() == CompletionContext.Status.FAILED) {
			return true;
		}
		Object response = context.getClientResponse();
		try {
			if (response instanceof ResponseData data) {
				return data.getHttpStatus() != null && data.getHttpStatus().is5xxServerError();
			}
			if (response instanceof ClientHttpResponse http) {
				return http.getStatusCode().is5xxServerError();
			}
		}
		catch (Exception ex) {
			return true;
		}
		return false;
	}

	/**
	 * A request by identity: the same object reaches onStartRequest and onComplete.
	 */
	private record RequestKey(Object request) {

		@Override
		public boolean equals(Object other) {
			return other instanceof RequestKey key && key.request == this.request;
		}

		@Override
		public int hashCode() {
			return System.identityHashCode(this.request);
		}

	}

}
