package io.connbalance.http;

import java.net.URI;
import java.util.List;
import java.util.SplittableRandom;

import io.connbalance.balance.BalancingStrategy;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.Pod;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PodUrisTests {

	@Test
	void replacesHostAndPortAndKeepsTheRestEncoded() {
		URI uri = URI.create("http://backend/a%20b/c?q=x%26y&r=1#frag");
		assertThat(PodUris.rewrite(uri, Pod.of("127.0.0.2", 8080)))
			.hasToString("http://127.0.0.2:8080/a%20b/c?q=x%26y&r=1#frag");
	}

	@Test
	void aServiceUrlWithAPortIsRejectedWithTheFixAndOtherUrlsPassThrough() {
		ServiceBalancers balancers = new ServiceBalancers(new PodRegistry(List.of("backend")),
				(service) -> BalancingStrategy.roundRobin(new SplittableRandom(1)));
		assertThat(PodUris.balancerFor(balancers, URI.create("http://backend/x")).service()).isEqualTo("backend");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> PodUris.balancerFor(balancers, URI.create("http://backend:8080/x")))
			.withMessageContaining("'http://backend:8080/x' names port 8080")
			.withMessageContaining("remove ':8080' from the URL")
			.withMessageContaining("connbalance.services.backend.port-name");
		assertThat(PodUris.balancerFor(balancers, URI.create("http://other:8080/x"))).isNull();
		assertThat(PodUris.balancerFor(balancers, URI.create("https://backend:8443/x"))).isNull();
	}

	@Test
	void wrapsIpv6Hosts() {
		assertThat(PodUris.rewrite(URI.create("http://backend:9999/x"), Pod.of("::1", 8080)))
			.hasToString("http://[::1]:8080/x");
	}

}
