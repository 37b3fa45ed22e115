package io.connbalance.bench.compare;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.netty.handler.ssl.SslContextBuilder;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.Http2AllocationStrategy;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import io.connbalance.testsupport.NginxPods;
import io.connbalance.testsupport.NginxPods.Mode;

import static io.connbalance.bench.compare.Harness.median;
import static io.connbalance.bench.compare.Harness.ratio;

/**
 * Scenario 9, protocols: connbalance's overhead on one nginx pod over HTTP/1.1, https and
 * HTTP/2 (h2 by ALPN), against a direct keep-alive Reactor Netty client with the same
 * protocol, pool size and trust.
 */
final class Protocols implements Compare.Scenario {

	private final Harness harness;

	Protocols(Harness harness) {
		this.harness = harness;
	}

	@Override
	public void run() throws Exception {
		this.harness.header("Overhead by protocol: 1 nginx pod, against a direct keep-alive client");
		this.harness.line("The pod is nginx answering every request from memory; both clients are Reactor Netty "
				+ "WebClients with %d connections at most (HTTP/2: one), the same trust (a test CA) and keep-alive.",
				Harness.CALLERS);
		this.harness.line("");
		this.harness.line("| protocol | direct requests/s | connbalance requests/s | ratio (median per round) | "
				+ "direct p99 ms | connbalance p99 ms |");
		this.harness.line("| --- | ---: | ---: | ---: | ---: | ---: |");
		for (Mode mode : List.of(Mode.HTTP, Mode.HTTPS, Mode.H2)) {
			compare(mode);
		}
	}

	private void compare(Mode mode) throws Exception {
		try (NginxPods pods = NginxPods.start(mode, "backend")) {
			Contender.DISCOVERY.clear("backend");
			pods.register(Contender.DISCOVERY, "backend");
			NginxPods.Pod pod = pods.pods().get(0);
			boolean tls = mode != Mode.HTTP;
			boolean http2 = mode == Mode.H2;
			String scheme = tls ? "https" : "http";
			List<String> properties = new ArrayList<>(
					List.of("connbalance.services.backend.max-connections-per-pod=" + (http2 ? 1 : Harness.CALLERS),
							"connbalance.services.backend.http2.enabled=" + http2));
			if (tls) {
				properties.add("spring.ssl.bundle.pem.test-ca.truststore.certificate=file:" + pods.caCertificate());
				properties.add("connbalance.services.backend.ssl-bundle=test-ca");
			}
			HttpClient direct = directClient(pods, tls, http2);
			List<Supplier<Contender>> contenders = List.of(
					() -> Contender.direct("direct", direct, scheme + "://" + pod.host() + ":" + pod.port()),
					() -> Contender.calling("connbalance", scheme + "://backend", "least-request",
							properties.toArray(String[]::new)));
			Map<String, List<Load.Result>> results = this.harness.interleave(contenders);
			List<Load.Result> directResults = results.get("direct");
			List<Load.Result> balanced = results.get("connbalance");
			List<Double> ratios = new ArrayList<>();
			for (int round = 0; round < directResults.size(); round++) {
				ratios.add(balanced.get(round).throughput() / directResults.get(round).throughput());
			}
			this.harness.line("| %s | %,.0f | %,.0f | %s | %.3f | %.3f |", label(mode),
					median(directResults.stream().map(Load.Result::throughput).toList()),
					median(balanced.stream().map(Load.Result::throughput).toList()), ratio(median(ratios)),
					median(directResults.stream().map((result) -> result.percentileMillis(0.99)).toList()),
					median(balanced.stream().map((result) -> result.percentileMillis(0.99)).toList()));
		}
	}

	private static HttpClient directClient(NginxPods pods, boolean tls, boolean http2) throws IOException {
		ConnectionProvider provider = http2 ? ConnectionProvider.builder("direct-h2")
			.allocationStrategy(Http2AllocationStrategy.builder().minConnections(1).maxConnections(1).build())
			.build() : ConnectionProvider.builder("direct").maxConnections(Harness.CALLERS).build();
		HttpClient client = HttpClient.create(provider);
		if (http2) {
			client = client.protocol(HttpProtocol.H2);
		}
		if (tls) {
			File ca = pods.caCertificate().toFile();
			client = client.secure(
					(spec) -> spec.sslContext(http2 ? Http2SslContextSpec.forClient().configure((ssl) -> trust(ssl, ca))
							: Http11SslContextSpec.forClient().configure((ssl) -> trust(ssl, ca))));
		}
		return client;
	}

	private static void trust(SslContextBuilder ssl, File ca) {
		ssl.trustManager(ca);
	}

	private static String label(Mode mode) {
		return switch (mode) {
			case HTTP -> "HTTP/1.1";
			case HTTPS -> "https (HTTP/1.1 over TLS)";
			case H2 -> "HTTP/2 (h2 over TLS)";
			case H2C -> "HTTP/2 (h2c)";
		};
	}

}
