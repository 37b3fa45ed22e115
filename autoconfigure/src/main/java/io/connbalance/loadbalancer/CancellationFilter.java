package io.connbalance.loadbalancer;

import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Tells {@link ServiceLoadBalancerLifecycle} when a {@code @LoadBalanced} WebClient
 * request is cancelled (by a {@code timeout()}, or a caller that goes away): Spring Cloud
 * LoadBalancer calls its lifecycle on a response or an error, never on a cancellation, so
 * the request would stay in flight on its pod for good. Added ahead of LoadBalancer's own
 * filter, it marks each request with a {@link Cancellation} that the lifecycle finds in
 * the request's attributes.
 */
public final class CancellationFilter implements ExchangeFilterFunction {

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return Mono.defer(() -> {
			Cancellation cancellation = new Cancellation();
			ClientRequest marked = ClientRequest.from(request).attribute(Cancellation.ATTRIBUTE, cancellation).build();
			return next.exchange(marked).doOnCancel(cancellation::cancel);
		});
	}

	/**
	 * What to do if the request it marks is cancelled, set once LoadBalancer has chosen a
	 * pod.
	 */
	static final class Cancellation {

		static final String ATTRIBUTE = Cancellation.class.getName();

		private Runnable action;

		private boolean cancelled;

		synchronized void onCancel(Runnable action) {
			if (this.cancelled) {
				action.run();
			}
			else {
				this.action = action;
			}
		}

		synchronized void cancel() {
			this.cancelled = true;
			if (this.action != null) {
				this.action.run();
			}
		}

	}

}
