package io.connbalance.loadbalancer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.pod.Pod;
import io.connbalance.stats.Client;
import io.connbalance.stats.PodStats;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.ResponseData;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Counts the requests that {@code @LoadBalanced} clients send through
 * {@link ServiceLoadBalancer}, so per-pod statistics and least-request see them too. A
 * WebClient request ends on its response, its error, or (through
 * {@link CancellationFilter}) its cancellation.
 */
public final class ServiceLoadBalancerLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {

	private final ServiceBalancer balancer;

	private final Map<RequestKey, Started> started = new ConcurrentHashMap<>();

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
			RequestKey key = new RequestKey(request);
			this.started.put(key, new Started(pod, pod.now()));
			CancellationFilter.Cancellation cancellation = cancellation(request);
			if (cancellation != null) {
				cancellation.onCancel(() -> {
					Started cancelled = this.started.remove(key);
					if (cancelled != null) {
						// by the caller: nothing is known of the pod
						cancelled.pod().endCancelled(cancelled.sent(), false, false);
					}
				});
			}
		}
	}

	@Override
	public void onComplete(CompletionContext<Object, ServiceInstance, Object> context) {
		Started request = this.started.remove(new RequestKey(context.getLoadBalancerRequest()));
		if (request == null) {
			return;
		}
		if (context.status() == CompletionContext.Status.FAILED) {
			request.pod().endWithoutResponse(Client.LOADBALANCER, request.sent(), true, true);
		}
		else {
			request.pod().responded(request.sent());
			boolean failure = isFailure(context);
			request.pod().end(Client.LOADBALANCER, request.sent(), failure, failure);
		}
	}

	/**
	 * The mark that {@link CancellationFilter} put on a WebClient request, if any.
	 */
	private static CancellationFilter.Cancellation cancellation(Request<Object> request) {
		if (request.getContext() instanceof RequestDataContext context && context.getClientRequest() != null
				&& context.getClientRequest().getAttributes() != null
				&& context.getClientRequest()
					.getAttributes()
					.get(CancellationFilter.Cancellation.ATTRIBUTE) instanceof CancellationFilter.Cancellation mark) {
			return mark;
		}
		return null;
	}

	/** Whether a request that got its response failed: a server error status. */
	private static boolean isFailure(CompletionContext<Object, ServiceInstance, Object> context) {
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
	 * A request counted on its pod, and when it was sent.
	 */
	private record Started(PodStats pod, long sent) {
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
