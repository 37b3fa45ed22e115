package io.connbalance.http;

import java.io.IOException;
import java.io.InputStream;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.stats.PodStats;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.util.StreamUtils;

/**
 * Sends each RestClient request for {@code http://<service key>/...} to one pod, chosen
 * per request, over that pod's own keep-alive pool. Other requests pass through.
 * <p>
 * Requests for services do not continue down the interceptor chain (they would reach the
 * builder's own request factory); add interceptors before this one, which Spring Boot's
 * {@code RestClientCustomizer} ordering does for customizers that run earlier. A request
 * counts as in flight until its response is closed. A request whose connection fails
 * before a response is sent again to another pod, as the service's retries allow (see
 * {@link Retries}).
 */
public final class ServiceRequestInterceptor implements ClientHttpRequestInterceptor {

	private final ServiceBalancers balancers;

	private final PodClients<HttpComponentsPodClient> clients;

	/**
	 * Creates the interceptor.
	 * @param balancers the balancers
	 * @param clients the per-pod clients
	 */
	public ServiceRequestInterceptor(ServiceBalancers balancers, PodClients<HttpComponentsPodClient> clients) {
		this.balancers = balancers;
		this.clients = clients;
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		ServiceBalancer balancer = PodUris.balancerFor(this.balancers, request.getURI());
		if (balancer == null) {
			return execution.execute(request, body);
		}
		PodStats pod = balancer.acquire();
		int retries = balancer.options().retries();
		while (true) {
			boolean ended = false;
			long sent = pod.now();
			try {
				ClientHttpRequest podRequest = this.clients.get(balancer.service(), pod)
					.requestFactory()
					.createRequest(PodUris.rewrite(request.getURI(), pod.pod()), request.getMethod());
				podRequest.getHeaders().putAll(request.getHeaders());
				podRequest.getAttributes().putAll(request.getAttributes());
				if (body.length > 0) {
					StreamUtils.copy(body, podRequest.getBody());
				}
				ClientHttpResponse response = podRequest.execute();
				pod.responded(sent);
				ended = true;
				return new CountedResponse(response, pod);
			}
			catch (IOException ex) {
				pod.endWithoutResponse(sent, true, Retries.isPodFailure(ex));
				ended = true;
				if (retries-- == 0 || !Retries.mayRetry(ex, request.getMethod())) {
					throw ex;
				}
				pod = balancer.acquire(pod);
			}
			finally {
				if (!ended) {
					// an error of the client (an interceptor, a body that cannot be
					// written): nothing is known of the pod
					pod.endWithoutResponse(sent, true, false);
				}
			}
		}
	}

	/**
	 * Ends the request's count when the response is closed.
	 */
	private static final class CountedResponse implements ClientHttpResponse {

		private final ClientHttpResponse response;

		private final PodStats pod;

		private boolean closed;

		CountedResponse(ClientHttpResponse response, PodStats pod) {
			this.response = response;
			this.pod = pod;
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
				serverError = this.response.getStatusCode().is5xxServerError();
			}
			catch (IOException ex) {
				serverError = true;
			}
			try {
				this.response.close();
			}
			finally {
				this.pod.end(serverError);
			}
		}

	}

}
