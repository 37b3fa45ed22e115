package io.connbalance.kubernetes;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.connbalance.testsupport.KubernetesApiStandIn;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Tests for {@link CallObserver}, with real HTTP calls.
 */
class CallObserverTests {

	private static final String SERVICES = "/api/v1/namespaces/shop/services";

	private final AtomicInteger answered = new AtomicInteger();

	private final List<Throwable> failures = new ArrayList<>();

	private final OkHttpClient client = new OkHttpClient.Builder()
		.addInterceptor(
				new CallObserver(SERVICES, Duration.ofSeconds(1), this.answered::incrementAndGet, this.failures::add))
		.build();

	@Test
	void aRefusedConnectionIsAFailureAndAnAnswerIsAnAnswer() throws IOException {
		int closed;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			closed = socket.getLocalPort();
		}
		assertThatIOException().isThrownBy(() -> get("http://127.0.0.1:" + closed + SERVICES));
		assertThat(this.failures).singleElement().isInstanceOf(IOException.class);
		try (KubernetesApiStandIn api = KubernetesApiStandIn.start()) {
			api.forbid("services");
			String base = api.client().getBasePath();
			assertThat(get(base + SERVICES)).isEqualTo(403);
			assertThat(this.answered).hasValue(1);
		}
		assertThat(this.failures).hasSize(1);
	}

	@Test
	void aResponseThatFallsSilentFailsAfterTheReadTimeout() throws Exception {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			Thread server = new Thread(() -> {
				try (Socket connection = socket.accept()) {
					connection.getInputStream().read(new byte[1024]);
					// headers and the start of a body, then silence, as a frozen watch
					connection.getOutputStream()
						.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"type\":"
							.getBytes(StandardCharsets.US_ASCII));
					Thread.sleep(5000);
				}
				catch (Exception ex) {
					// the client went away
				}
			});
			server.start();
			long start = System.nanoTime();
			try (Response response = this.client
				.newCall(new Request.Builder().url("http://127.0.0.1:" + socket.getLocalPort() + SERVICES).build())
				.execute()) {
				assertThat(response.code()).isEqualTo(200);
				assertThatIOException().isThrownBy(() -> response.body().string());
			}
			Duration silent = Duration.ofNanos(System.nanoTime() - start);
			assertThat(silent).isBetween(Duration.ofMillis(900), Duration.ofMillis(3000));
			assertThat(this.answered).hasPositiveValue();
			assertThat(this.failures).singleElement().isInstanceOf(SocketTimeoutException.class);
			server.interrupt();
			server.join();
		}
	}

	@Test
	void callsToOtherPathsAreNotObserved() throws IOException {
		try (KubernetesApiStandIn api = KubernetesApiStandIn.start()) {
			assertThat(get(api.client().getBasePath() + "/api/v1/namespaces/shop/endpoints")).isEqualTo(200);
		}
		assertThat(this.answered).hasValue(0);
		assertThat(this.failures).isEmpty();
	}

	private int get(String url) throws IOException {
		try (Response response = this.client.newCall(new Request.Builder().url(url).build()).execute()) {
			return response.code();
		}
	}

}
