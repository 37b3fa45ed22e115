package io.connbalance.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.AbstractBufferingClientHttpRequest;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.util.StreamUtils;
import org.springframework.util.function.SingletonSupplier;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.stats.Client;
import io.connbalance.stats.PodStats;

/**
 * The request factory of a RestClient: sends each request for
 * {@code http(s)://<service key>/...} to one pod, chosen per request, over that pod's own
 * keep-alive pool, and every other request through the factory it wraps. Being the
 * transport, it runs below everything the RestClient does: its interceptors,
 * observations, message converters and default headers see an ordinary request to the
 * service.
 * <p>
 * The request's {@code Host} header is the URL's authority as written. A request counts
 * as in flight until its response is closed. Its body is kept until it is answered, so
 * that a request whose connection fails before a response can be sent again to another
 * pod, as the service's retries allow (see {@link Retries}).
 */
public final class ServiceClientHttpRequestFactory implements ClientHttpRequestFactory {

	private final ClientHttpRequestFactory delegate;

	private final Set<String> services;

	private final Supplier<ServiceBalancers> balancers;

	private final Supplier<? extends PodClients<? extends PodClient>> clients;

	/**
	 * Creates the factory.
	 * @param delegate the factory of every other host
	 * @param balancers the balancers
	 * @param clients the per-pod clients
	 */
	public ServiceClientHttpRequestFactory(ClientHttpRequestFactory delegate, ServiceBalancers balancers,
			PodClients<? extends PodClient> clients) {
		this(delegate, balancers.all().stream().map(ServiceBalancer::service).collect(Collectors.toSet()),
				() -> balancers, () -> clients);
	}

	/**
	 * Creates the factory with the balancers and pod clients looked up on the first
	 * request for a service: requests for other hosts, which may be made while the
	 * application starts (by a discovery client, say), need neither.
	 * @param delegate the factory of every other host
	 * @param services the service keys
	 * @param balancers the balancers
	 * @param clients the per-pod clients
	 */
	public ServiceClientHttpRequestFactory(ClientHttpRequestFactory delegate, Set<String> services,
			Supplier<ServiceBalancers> balancers, Supplier<? extends PodClients<? extends PodClient>> clients) {
		this.delegate = delegate;
		this.services = Set.copyOf(services);
		this.balancers = SingletonSupplier.of(balancers);
		this.clients = SingletonSupplier.of(clients);
	}

	/**
	 * The factory of every other host.
	 * @return the wrapped factory
	 */
	public ClientHttpRequestFactory delegate() {
		return this.delegate;
	}

	@Override
	public ClientHttpRequest createRequest(URI uri, HttpMethod method) throws IOException {
		String service = PodUris.serviceKey(this.services, uri);
		ServiceBalancer balancer = (service != null) ? this.balancers.get().get(service) : null;
		if (balancer == null) {
			return this.delegate.createRequest(uri, method);
		}
		return new ServiceRequest(balancer, uri, method);
	}

	/**
	 * A request for a service, sent to a pod when it is executed.
	 */
	private final class ServiceRequest extends AbstractBufferingClientHttpRequest {

		private final ServiceBalancer balancer;

		private final URI uri;

		private final HttpMethod method;

		ServiceRequest(ServiceBalancer balancer, URI uri, HttpMethod method) {
			this.balancer = balancer;
			this.uri = uri;
			this.method = method;
		}

		@Override
		public HttpMethod getMethod() {
			return this.method;
		}

		@Override
		public URI getURI() {
			return this.uri;
		}

		@Override
		protected ClientHttpResponse executeInternal(HttpHeaders headers, byte[] body) throws IOException {
			PodStats pod = this.balancer.acquire();
			int retries = this.balancer.options().retries();
			while (true) {
				boolean ended = false;
				long sent = pod.now();
				try {
					ClientHttpResponse response = send(pod, headers, body);
					pod.responded(sent);
					ended = true;
					return new CountedResponse(response, pod, sent);
				}
				catch (IOException ex) {
					pod.endWithoutResponse(Client.RESTCLIENT, sent, true, Retries.isPodFailure(ex), ex);
					ended = true;
					if (retries-- == 0 || !Retries.mayRetry(ex, this.method)) {
						throw ex;
					}
					pod = this.balancer.acquire(pod);
				}
				finally {
					if (!ended) {
						// an error of the client (a body that cannot be written): nothing
						// is known of the pod
						pod.endWithoutResponse(Client.RESTCLIENT, sent, true, false);
					}
				}
			}
		}

		private ClientHttpResponse send(PodStats pod, HttpHeaders headers, byte[] body) throws IOException {
			PodClient client = ServiceClientHttpRequestFactory.this.clients.get().get(this.balancer.service(), pod);
			ClientHttpRequest request = client.requestFactory()
				.createRequest(client.target(this.uri, pod.pod()), this.method);
			request.getHeaders().set(HttpHeaders.HOST, PodUris.authority(this.uri));
			request.getHeaders().putAll(headers);
			request.getAttributes().putAll(getAttributes());
			if (body.length > 0) {
				StreamUtils.copy(body, request.getBody());
			}
			return request.execute();
		}

	}

	/**
	 * Ends the request's count when the response is closed.
	 */
	private static final class CountedResponse implements ClientHttpResponse {

		private final ClientHttpResponse response;

		private final PodStats pod;

		private final long sent;

		private boolean closed;

		CountedResponse(ClientHttpResponse response, PodStats pod, long sent) {
			this.response = response;
			this.pod = pod;
			this.sent = sent;
		}

		@Override
		public HttpStatusCode getStatusCode() throws IOException {
			return this.response.getStatusCode();
		}

		@Override
		public String getStatusText() throws IOException {
			return this.response.getStatusText();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.response.getHeaders();
		}

		@Override
		public InputStream getBody() throws IOException {
			return this.response.getBody();
		}

		@Override
		public void close() {
			if (this.closed) {
				return;
			}
			this.closed = true;
			boolean serverError;
			try {
				HttpStatusCode status = this.response.getStatusCode();
				serverError = status.is5xxServerError();
				if (serverError) {
					this.pod.failedBecause("HTTP " + status.value());
				}
			}
			catch (IOException ex) {
				serverError = true;
			}
			try {
				this.response.close();
			}
			finally {
				this.pod.end(Client.RESTCLIENT, this.sent, serverError, serverError);
			}
		}

	}

}
