package io.connbalance.demo.frontend;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.connbalance.demo.api.WhoAmIGrpc;
import io.connbalance.demo.api.WhoAmIRequest;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * One call through each way the demo reaches its pods; each answers with the pod that
 * served it.
 */
class DemoClients {

	/** The replica's pod name locally (its cluster_name), else its address. */
	static final String WHICH_REPLICA = "select coalesce(nullif(current_setting('cluster_name'), ''), host(inet_server_addr()))";

	private static final Pattern POD = Pattern.compile("\"pod\"\\s*:\\s*\"([^\"]*)\"");

	/**
	 * The header with which each client names itself to the pods, which give each client
	 * workers of its own (demo-backend's {@code demo.capacity}).
	 */
	static final String CLIENT_HEADER = "X-Demo-Client";

	private final WebClient webClient;

	private final RestClient restClient;

	private final WhoAmIGrpc.WhoAmIBlockingStub grpc;

	private final JdbcTemplate jdbc;

	private final HttpClient naiveClient = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private final URI naiveUri;

	DemoClients(WebClient webClient, RestClient restClient, WhoAmIGrpc.WhoAmIBlockingStub grpc, JdbcTemplate jdbc,
			URI naiveUri) {
		this.webClient = webClient;
		this.restClient = restClient;
		Metadata client = new Metadata();
		client.put(Metadata.Key.of(CLIENT_HEADER, Metadata.ASCII_STRING_MARSHALLER), ClientKind.GRPC.id());
		this.grpc = grpc.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(client));
		this.jdbc = jdbc;
		this.naiveUri = naiveUri;
	}

	/**
	 * Calls once.
	 * @param kind how
	 * @return the pod that answered
	 */
	String call(ClientKind kind) {
		return switch (kind) {
			case WEB_CLIENT -> pod(this.webClient.get()
				.uri("http://backend/whoami")
				.header(CLIENT_HEADER, kind.id())
				.retrieve()
				.bodyToMono(Map.class)
				.block(Duration.ofSeconds(10)));
			case REST_CLIENT -> pod(this.restClient.get()
				.uri("http://backend/whoami")
				.header(CLIENT_HEADER, kind.id())
				.retrieve()
				.body(Map.class));
			case GRPC ->
				this.grpc.withDeadlineAfter(10, TimeUnit.SECONDS).whoAmI(WhoAmIRequest.getDefaultInstance()).getPod();
			case JDBC -> this.jdbc.queryForObject(WHICH_REPLICA, String.class);
			case NAIVE -> naive();
		};
	}

	/**
	 * The naive way: a plain keep-alive HTTP client (the JDK's, which connbalance does
	 * not touch, with a connection per concurrent caller) to the Service address, through
	 * kube-proxy or its local stand-in.
	 */
	private String naive() {
		HttpRequest request = HttpRequest.newBuilder(this.naiveUri.resolve("/whoami"))
			.header(CLIENT_HEADER, ClientKind.NAIVE.id())
			.timeout(Duration.ofSeconds(10))
			.build();
		try {
			HttpResponse<String> response = this.naiveClient.send(request, HttpResponse.BodyHandlers.ofString());
			Matcher pod = POD.matcher(response.body());
			if (response.statusCode() != 200 || !pod.find()) {
				throw new IllegalStateException("Unexpected answer " + response.statusCode() + ": " + response.body());
			}
			return pod.group(1);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Naive request failed: " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	private static String pod(Map<?, ?> answer) {
		return String.valueOf(answer.get("pod"));
	}

}
