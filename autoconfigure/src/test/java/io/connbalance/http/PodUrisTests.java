package io.connbalance.http;

import java.net.URI;
import java.util.Set;

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
	void serviceUrlsOverHttpAndHttpsWithOrWithoutAPortAreBalancedAndOtherUrlsPassThrough() {
		Set<String> services = Set.of("backend");
		assertThat(PodUris.serviceKey(services, URI.create("http://backend/x"))).isEqualTo("backend");
		assertThat(PodUris.serviceKey(services, URI.create("http://backend:8080/x"))).isEqualTo("backend");
		assertThat(PodUris.serviceKey(services, URI.create("https://backend/x"))).isEqualTo("backend");
		assertThat(PodUris.serviceKey(services, URI.create("http://Backend/x"))).isEqualTo("backend");
		assertThat(PodUris.serviceKey(services, URI.create("http://other:8080/x"))).isNull();
		assertThat(PodUris.serviceKey(services, URI.create("ws://backend/x"))).isNull();
	}

	@Test
	void theAuthorityIsTheHostAndPortAsWrittenWithoutUserInformation() {
		assertThat(PodUris.authority(URI.create("http://backend/x"))).isEqualTo("backend");
		assertThat(PodUris.authority(URI.create("https://user:secret@backend:8443/x"))).isEqualTo("backend:8443");
	}

	@Test
	void aClientThatResolvesTheServiceGetsThePodsPortAndTheServicesName() {
		assertThat(PodUris.toPodPort(URI.create("https://backend/a%20b?q=1"), Pod.of("127.0.0.2", 8443)))
			.hasToString("https://backend:8443/a%20b?q=1");
		assertThat(PodUris.toPodPort(URI.create("http://backend:80/x"), Pod.of("127.0.0.2", 8080)))
			.hasToString("http://backend:8080/x");
	}

	@Test
	void wrapsIpv6Hosts() {
		assertThat(PodUris.rewrite(URI.create("http://backend:9999/x"), Pod.of("::1", 8080)))
			.hasToString("http://[::1]:8080/x");
	}

}
