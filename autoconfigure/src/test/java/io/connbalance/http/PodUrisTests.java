package io.connbalance.http;

import java.net.URI;

import io.connbalance.pod.Pod;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PodUrisTests {

	@Test
	void replacesHostAndPortAndKeepsTheRestEncoded() {
		URI uri = URI.create("http://backend/a%20b/c?q=x%26y&r=1#frag");
		assertThat(PodUris.rewrite(uri, Pod.of("127.0.0.2", 8080)))
			.hasToString("http://127.0.0.2:8080/a%20b/c?q=x%26y&r=1#frag");
	}

	@Test
	void wrapsIpv6Hosts() {
		assertThat(PodUris.rewrite(URI.create("http://backend:9999/x"), Pod.of("::1", 8080)))
			.hasToString("http://[::1]:8080/x");
	}

}
