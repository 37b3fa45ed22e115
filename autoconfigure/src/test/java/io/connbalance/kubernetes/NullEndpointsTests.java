package io.connbalance.kubernetes;

import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link NullEndpoints}.
 */
class NullEndpointsTests {

	private static final String SCALED_TO_ZERO = "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\","
			+ "\"metadata\":{\"name\":\"backend-abc\",\"annotations\":{\"note\":\"\\\"endpoints\\\":null\"}},"
			+ "\"addressType\":\"IPv4\",\"endpoints\" : null,\"ports\":[{\"name\":\"http\",\"port\":8080}]}";

	@Test
	void clientJavaRefusesASliceWithNullEndpointsAsOlderApiServersSendIt() {
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> JSON.deserialize(SCALED_TO_ZERO, V1EndpointSlice.class))
			.withMessageContaining("`endpoints` to be an array");
	}

	@Test
	void aSliceWithNullEndpointsReadsAsOneWithoutEndpoints() {
		V1EndpointSlice slice = JSON.deserialize(NullEndpoints.fix(SCALED_TO_ZERO), V1EndpointSlice.class);
		assertThat(slice.getEndpoints()).isEmpty();
		assertThat(slice.getPorts()).hasSize(1);
		assertThat(slice.getMetadata().getAnnotations()).containsEntry("note", "\"endpoints\":null");
	}

}
