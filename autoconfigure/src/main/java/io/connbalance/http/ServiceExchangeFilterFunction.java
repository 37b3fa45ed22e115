package io.connbalance.http;

import java.util.concurrent.atomic.AtomicInteger;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.stats.PodStats;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Sends each WebClient request for {@code http://<service key>/...} to one pod, chosen
 * per request, over that pod's own keep-alive pool. Other requests pass through.
 * <p>
 * A request counts as in flight until its response body has been read or released. A
 * request whose connection fails before a response is sent again to another pod, as the
 * service's retries allow (see {@link Retries}).
 */
public final class ServiceExchangeFilterFunction implements ExchangeFilterFunction {

	private final ServiceBalancers balancers;

	private final PodClients<ReactorPodClient> clients;

	/**
	 * Creates the filter.
	 * @param balancers the balancers
	 * @param clients the per-pod clients
	 */
	public ServiceExchangeFilterFunction(ServiceBalancers balancers, PodClients<ReactorPodClient> clients) {
		this.balancers = balancers;
		this.clients = clients;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		ServiceBalancer balancer = PodUris.balancerFor(this.balancers, request.url());
		if (balancer == null) {
			return next.exchange(request);
		}
		return Mono.defer(() -> exchange(balancer, request, null, balancer.options().retries()));
	}

	private Mono<ClientResponse> exchange(ServiceBalancer balancer, ClientRequest request, PodStats failed,
			int retries) {
		PodStats pod = balancer.acquire(failed);
		Completion completion = new Completion(pod);
		Mono<ClientResponse> response;
		try {
			ClientRequest podRequest = ClientRequest.from(request)
				.url(PodUris.rewrite(request.url(), pod.pod()))
				.build();
			response = this.clients.get(balancer.service(), pod).exchangeFunction().exchange(podRequest);
		}
		catch (RuntimeException ex) {
			completion.failed(ex);
			throw ex;
		}
		return response.map(completion::responded).doOnError(completion::failed).onErrorResume((ex) -> {
			if (retries > 0 && Retries.mayRetry(ex, request.method())) {
				return Mono.defer(() -> exchange(balancer, request, pod, retries - 1));
			}
			return Mono.error(ex);
		}).doOnCancel(completion::cancelled);
	}

	/**
	 * Takes the request's response time when its response begins, and ends its count
	 * exactly once, when its body is done.
	 */
	private static final class Completion {

		private static final int WAITING = 0;

		private static final int RESPONDED = 1;

		private static final int ENDED = 2;

		private final PodStats pod;

		private final long sent;

		/** Waiting for the response, then responded, then ended; or ended without one. */
		private final AtomicInteger state = new AtomicInteger(WAITING);

		Completion(PodStats pod) {
			this.pod = pod;
			this.sent = pod.now();
		}

		ClientResponse responded(ClientResponse response) {
			if (!this.state.compareAndSet(WAITING, RESPONDED)) {
				// cancelled meanwhile, and counted as such
				return response;
			}
			this.pod.responded(this.sent);
			boolean serverError = response.statusCode().is5xxServerError();
			return response.mutate().body((body) -> body.doFinally((signal) -> {
				if (this.state.compareAndSet(RESPONDED, ENDED)) {
					this.pod.end(serverError);
				}
			})).build();
		}

		void failed(Throwable failure) {
			if (this.state.compareAndSet(WAITING, ENDED)) {
				this.pod.endWithoutResponse(this.sent, true, Retries.isPodFailure(failure));
			}
		}

		void cancelled() {
			// by the caller: nothing is known of the pod
			if (this.state.compareAndSet(WAITING, ENDED)) {
				this.pod.endWithoutResponse(this.sent, false, false);
			}
		}

	}

}
