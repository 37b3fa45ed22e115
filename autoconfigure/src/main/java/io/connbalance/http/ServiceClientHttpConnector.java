package io.connbalance.http;

import java.net.URI;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.http.client.reactive.ClientHttpResponseDecorator;
import org.springframework.util.function.SingletonSupplier;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.stats.Client;
import io.connbalance.stats.PodStats;

/**
 * The connector of a WebClient: sends each request for
 * {@code http(s)://<service key>/...} to one pod, chosen per request, over that pod's own
 * keep-alive pool, and every other request through the connector it wraps. Being the
 * transport, it runs below everything the WebClient does: its filters, observations,
 * codecs and default headers see an ordinary request to the service.
 * <p>
 * The request's {@code Host} header is the URL's authority as written. A request counts
 * as in flight until its response body has been read or released. A request whose
 * connection fails before a response is sent again to another pod, as the service's
 * retries allow (see {@link Retries}).
 */
public final class ServiceClientHttpConnector implements ClientHttpConnector {

	private final ClientHttpConnector delegate;

	private final Set<String> services;

	private final Supplier<ServiceBalancers> balancers;

	private final Supplier<? extends PodClients<ReactorPodClient>> clients;

	/**
	 * Creates the connector.
	 * @param delegate the connector of every other host
	 * @param balancers the balancers
	 * @param clients the per-pod clients
	 */
	public ServiceClientHttpConnector(ClientHttpConnector delegate, ServiceBalancers balancers,
			PodClients<ReactorPodClient> clients) {
		this(delegate, balancers.all().stream().map(ServiceBalancer::service).collect(Collectors.toSet()),
				() -> balancers, () -> clients);
	}

	/**
	 * Creates the connector with the balancers and pod clients looked up on the first
	 * request for a service: requests for other hosts, which may be made while the
	 * application starts (by a discovery client, say), need neither.
	 * @param delegate the connector of every other host
	 * @param services the service keys
	 * @param balancers the balancers
	 * @param clients the per-pod clients
	 */
	public ServiceClientHttpConnector(ClientHttpConnector delegate, Set<String> services,
			Supplier<ServiceBalancers> balancers, Supplier<? extends PodClients<ReactorPodClient>> clients) {
		this.delegate = delegate;
		this.services = Set.copyOf(services);
		this.balancers = SingletonSupplier.of(balancers);
		this.clients = SingletonSupplier.of(clients);
	}

	/**
	 * The connector of every other host.
	 * @return the wrapped connector
	 */
	public ClientHttpConnector delegate() {
		return this.delegate;
	}

	@Override
	public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri,
			Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
		String service = PodUris.serviceKey(this.services, uri);
		ServiceBalancer balancer = (service != null) ? this.balancers.get().get(service) : null;
		if (balancer == null) {
			return this.delegate.connect(method, uri, requestCallback);
		}
		String authority = PodUris.authority(uri);
		Function<ClientHttpRequest, Mono<Void>> writer = (request) -> {
			// the request's own headers, written next, may set another
			request.getHeaders().set(HttpHeaders.HOST, authority);
			return requestCallback.apply(request);
		};
		return Mono.defer(() -> exchange(balancer, method, uri, writer, null, balancer.options().retries()));
	}

	private Mono<ClientHttpResponse> exchange(ServiceBalancer balancer, HttpMethod method, URI uri,
			Function<ClientHttpRequest, Mono<Void>> writer, PodStats failed, int retries) {
		PodStats pod = balancer.acquire(failed);
		Completion completion = new Completion(pod);
		Mono<ClientHttpResponse> response;
		try {
			response = this.clients.get()
				.get(balancer.service(), pod)
				.connector()
				.connect(method, PodUris.toPodPort(uri, pod.pod()), writer);
		}
		catch (RuntimeException ex) {
			completion.failed(ex);
			throw ex;
		}
		return response.map(completion::responded).doOnError(completion::failed).onErrorResume((ex) -> {
			if (retries > 0 && Retries.mayRetry(ex, method)) {
				return Mono.defer(() -> exchange(balancer, method, uri, writer, pod, retries - 1));
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

		/** Whether the response's body has been subscribed to. */
		private volatile boolean bodyRead;

		/** Whether the response was a server error (5xx). */
		private volatile boolean serverError;

		Completion(PodStats pod) {
			this.pod = pod;
			this.sent = pod.now();
		}

		ClientHttpResponse responded(ClientHttpResponse response) {
			this.serverError = response.getStatusCode().is5xxServerError();
			if (!this.state.compareAndSet(WAITING, RESPONDED)) {
				// cancelled meanwhile, and counted as such
				return response;
			}
			this.pod.responded(this.sent);
			boolean serverError = this.serverError;
			if (serverError) {
				this.pod.failedBecause("HTTP " + response.getStatusCode().value());
			}
			return new ClientHttpResponseDecorator(response) {

				@Override
				public Flux<DataBuffer> getBody() {
					return super.getBody().doOnSubscribe((subscription) -> Completion.this.bodyRead = true)
						.doFinally((signal) -> {
							if (Completion.this.state.compareAndSet(RESPONDED, ENDED)) {
								Completion.this.pod.end(Client.WEBCLIENT, Completion.this.sent, serverError,
										serverError);
							}
						});
				}

			};
		}

		void failed(Throwable failure) {
			if (this.state.compareAndSet(WAITING, ENDED)) {
				this.pod.endWithoutResponse(Client.WEBCLIENT, this.sent, true, Retries.isPodFailure(failure), failure);
			}
		}

		void cancelled() {
			// by the caller: nothing is known of the pod
			if (this.state.compareAndSet(WAITING, ENDED)) {
				this.pod.endCancelled(this.sent, false, false);
			}
			else if (!this.bodyRead && this.state.compareAndSet(RESPONDED, ENDED)) {
				// cancelled as the response came: nobody will read its body (the pod's
				// connector releases it), so its count ends here
				this.pod.end(Client.WEBCLIENT, this.sent, this.serverError, this.serverError);
			}
		}

	}

}
