package io.connbalance.pod;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PodRegistryTests {

	private final PodRegistry registry = new PodRegistry(List.of("backend"));

	private final List<ServicePods> published = new ArrayList<>();

	PodRegistryTests() {
		this.registry.addListener((previous, current) -> this.published.add(current));
	}

	@Test
	void publishesOnlyRealChangesWithIncreasingGenerations() {
		Pod a = new Pod("b-pod", "127.0.0.2", 80, null, PodState.READY);
		Pod b = new Pod("a-pod", "127.0.0.3", 80, "zone-1", PodState.READY);
		assertThat(this.registry.update("backend", List.of(a, b))).isTrue();
		assertThat(this.registry.update("backend", List.of(b, a))).isFalse();
		assertThat(this.registry.update("backend", List.of(a))).isTrue();
		assertThat(this.published).extracting(ServicePods::generation).containsExactly(1L, 2L);
		assertThat(this.published.get(0).pods()).containsExactly(b, a);
	}

	@Test
	void ignoresServicesThatAreNotConfigured() {
		assertThat(this.registry.update("other", List.of(Pod.of("127.0.0.2", 80)))).isFalse();
		assertThat(this.registry.get("other")).isNull();
		assertThat(this.published).isEmpty();
	}

	@Test
	void addressesWrapIpv6InBrackets() {
		assertThat(Pod.of("::1", 8080).address()).isEqualTo("[::1]:8080");
		assertThat(Pod.of("127.0.0.2", 8080).address()).isEqualTo("127.0.0.2:8080");
	}

}
