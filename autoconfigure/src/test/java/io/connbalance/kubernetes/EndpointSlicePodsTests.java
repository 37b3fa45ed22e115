package io.connbalance.kubernetes;

import java.util.List;

import io.connbalance.discovery.PortNotFoundException;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodState;
import io.connbalance.pod.ServiceTarget;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Tests for {@link EndpointSlicePods}.
 */
class EndpointSlicePodsTests {

	private static final ServiceTarget BY_NAME = new ServiceTarget("backend", "backend-svc", "http", null,
			"round-robin");

	@Test
	void slicesAreMergedAndEachEndpointBecomesAPodNamedAfterItsTargetRef() {
		V1EndpointSlice first = slice(port("http", 8080), endpoint("10.0.0.1", "backend-a", "zone-a", ready()),
				endpoint("10.0.0.2", "backend-b", "zone-b", ready()));
		V1EndpointSlice second = slice(port("http", 8080), endpoint("10.0.0.3", "backend-c", null, ready()));
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of(first, second))).containsExactly(
				new Pod("backend-a", "10.0.0.1", 8080, "zone-a", PodState.READY),
				new Pod("backend-b", "10.0.0.2", 8080, "zone-b", PodState.READY),
				new Pod("backend-c", "10.0.0.3", 8080, null, PodState.READY));
	}

	@Test
	void terminatingEndpointsDrainAndEndpointsNeitherReadyNorTerminatingAreLeftOut() {
		V1EndpointSlice slice = slice(port("http", 8080), endpoint("10.0.0.1", "a", null, ready()),
				endpoint("10.0.0.2", "b", null,
						new V1EndpointConditions().ready(false).serving(true).terminating(true)),
				endpoint("10.0.0.3", "c", null, new V1EndpointConditions().ready(false)),
				endpoint("10.0.0.4", "d", null, null));
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of(slice))).extracting(Pod::name, Pod::state)
			.containsExactly(tuple("a", PodState.READY), tuple("b", PodState.DRAINING), tuple("d", PodState.READY));
	}

	@Test
	void anAddressInTwoSlicesCountsOnceAndReadyWins() {
		V1EndpointSlice old = slice(port("http", 8080),
				endpoint("10.0.0.1", "a", null, new V1EndpointConditions().terminating(true)));
		V1EndpointSlice replacement = slice(port("http", 8080), endpoint("10.0.0.1", "a", null, ready()));
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of(old, replacement)))
			.containsExactly(new Pod("a", "10.0.0.1", 8080, null, PodState.READY));
	}

	@Test
	void thePortIsTheConfiguredNumberElseTheNamedPortElseTheOnlyOrHttpPort() {
		V1EndpointSlice twoPorts = slice(List.of(port("grpc", 9090), port("http", 8080)),
				endpoint("10.0.0.1", "a", null, ready()));
		assertThat(EndpointSlicePods.pods(target("grpc", null), List.of(twoPorts))).extracting(Pod::port)
			.containsExactly(9090);
		assertThat(EndpointSlicePods.pods(target(null, 7000), List.of(twoPorts))).extracting(Pod::port)
			.containsExactly(7000);
		assertThat(EndpointSlicePods.pods(target(null, null), List.of(twoPorts))).extracting(Pod::port)
			.containsExactly(8080);
		V1EndpointSlice onePort = slice(port("web", 8443), endpoint("10.0.0.1", "a", null, ready()));
		assertThat(EndpointSlicePods.pods(target(null, null), List.of(onePort))).extracting(Pod::port)
			.containsExactly(8443);
	}

	@Test
	void withoutTargetRefThePodIsNamedByHostnameElseAddress() {
		V1Endpoint hostname = new V1Endpoint().addAddressesItem("10.0.0.1").hostname("db-0").conditions(ready());
		V1Endpoint bare = new V1Endpoint().addAddressesItem("10.0.0.2").conditions(ready());
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of(slice(port("http", 5432), hostname, bare))))
			.extracting(Pod::name)
			.containsExactly("db-0", "10.0.0.2:5432");
	}

	@Test
	void aMissingPortNameIsReportedWithTheNamedPorts() {
		V1EndpointSlice slice = slice(List.of(port("grpc", 9090), port("metrics", 9100)),
				endpoint("10.0.0.1", "a", null, ready()));
		assertThatExceptionOfType(PortNotFoundException.class)
			.isThrownBy(() -> EndpointSlicePods.pods(BY_NAME, List.of(slice)))
			.withMessageContaining("'backend-svc' have no port named 'http' (named ports: grpc, metrics)");
	}

	@Test
	void aServiceWhoseEveryEndpointIsUnreadyHasNoPodsEvenWhenItsPortsAreNotTheConfiguredOnes() {
		// as a Service is while its first pods start: no port to check against yet
		V1EndpointSlice unready = slice(List.of(port("http", 8080)),
				endpoint("10.0.0.1", "a", null, new V1EndpointConditions().ready(false)),
				endpoint("10.0.0.2", "b", null, new V1EndpointConditions().ready(false).terminating(false)));
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of(unready))).isEmpty();
		V1EndpointSlice otherPorts = slice(List.of(port("grpc", 9090)),
				endpoint("10.0.0.1", "a", null, new V1EndpointConditions().ready(false)));
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of(otherPorts))).isEmpty();
	}

	@Test
	void aDualStackServiceListsEachPodOnceByItsIpv4AddressElseByItsIpv6Address() {
		V1EndpointSlice ipv4 = slice(port("http", 8080), endpoint("10.0.0.1", "a", null, ready()),
				endpoint("10.0.0.2", "b", null, ready()));
		V1EndpointSlice ipv6 = slice(port("http", 8080), endpoint("fd00::1", "a", null, ready()),
				endpoint("fd00::2", "b", null, ready()))
			.addressType("IPv6");
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of(ipv6, ipv4))).extracting(Pod::name, Pod::host)
			.containsExactly(tuple("a", "10.0.0.1"), tuple("b", "10.0.0.2"));
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of(ipv6))).extracting(Pod::name, Pod::address)
			.containsExactly(tuple("a", "[fd00::1]:8080"), tuple("b", "[fd00::2]:8080"));
	}

	@Test
	void aServiceWithoutEndpointsHasNoPods() {
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of(slice(port("http", 8080))))).isEmpty();
		assertThat(EndpointSlicePods.pods(BY_NAME, List.of())).isEmpty();
	}

	private static ServiceTarget target(String portName, Integer port) {
		return new ServiceTarget("backend", "backend", portName, port, "round-robin");
	}

	private static V1EndpointSlice slice(DiscoveryV1EndpointPort port, V1Endpoint... endpoints) {
		return slice(List.of(port), endpoints);
	}

	private static V1EndpointSlice slice(List<DiscoveryV1EndpointPort> ports, V1Endpoint... endpoints) {
		return new V1EndpointSlice().addressType("IPv4").ports(ports).endpoints(List.of(endpoints));
	}

	private static DiscoveryV1EndpointPort port(String name, int port) {
		return new DiscoveryV1EndpointPort().name(name).port(port);
	}

	private static V1Endpoint endpoint(String address, String pod, String zone, V1EndpointConditions conditions) {
		return new V1Endpoint().addAddressesItem(address)
			.targetRef(new V1ObjectReference().kind("Pod").name(pod))
			.zone(zone)
			.conditions(conditions);
	}

	private static V1EndpointConditions ready() {
		return new V1EndpointConditions().ready(true).serving(true).terminating(false);
	}

}
