package io.connbalance.discovery;

import java.util.Map;

import io.connbalance.pod.Pod;
import io.connbalance.pod.ServiceTarget;
import io.connbalance.testsupport.MutableDiscoveryClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DiscoveryClientPodSourceTests {

	private final MutableDiscoveryClient discovery = new MutableDiscoveryClient();

	private final DiscoveryClientPodSource source = new DiscoveryClientPodSource(this.discovery);

	@Test
	void usesTheNamedPortFromMetadata() {
		this.discovery.add("backend", "127.0.0.2", 8080,
				Map.of("port.http", "8080", "port.grpc", "9090", "pod-name", "backend-abc", "zone", "z1"));
		DiscoveredPods pods = this.source.discover(new ServiceTarget("b", "backend", "grpc", null, "round-robin"));
		assertThat(pods.pods())
			.containsExactly(new Pod("backend-abc", "127.0.0.2", 9090, "z1", io.connbalance.pod.PodState.READY));
	}

	@Test
	void aFixedPortWins() {
		this.discovery.add("backend", "127.0.0.2", 8080, Map.of());
		assertThat(this.source.discover(new ServiceTarget("b", "backend", null, 7000, "round-robin")).pods())
			.extracting(Pod::port)
			.containsExactly(7000);
	}

	@Test
	void aMissingNamedPortIsReportedWithTheNamesThatExist() {
		this.discovery.add("backend", "127.0.0.2", 8080, Map.of("port.http", "8080", "port.metrics", "9100"));
		assertThatExceptionOfType(PortNotFoundException.class)
			.isThrownBy(() -> this.source.discover(new ServiceTarget("b", "backend", "grpc", null, "round-robin")))
			.withMessage("The instances of service 'backend' have no port named 'grpc' (named ports: http, metrics)");
	}

	@Test
	void podsWithoutAKnownNameAreNamedByAddress() {
		this.discovery.add("backend", "127.0.0.2", 8080, Map.of());
		assertThat(this.source.discover(new ServiceTarget("b", "backend", null, null, "round-robin")).pods())
			.extracting(Pod::name)
			.containsExactly("127.0.0.2:8080");
	}

}
