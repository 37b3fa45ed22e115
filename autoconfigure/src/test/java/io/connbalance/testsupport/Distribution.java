package io.connbalance.testsupport;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Assertions on how requests spread over pods.
 */
public final class Distribution {

	private Distribution() {
	}

	/**
	 * Asserts that each pod got its fair share of the total, within a tolerance.
	 * @param counts requests per pod
	 * @param pods how many pods should share them
	 * @param tolerance the allowed deviation from the fair share, as a fraction of the
	 * total (0.03 for 3%)
	 */
	public static void assertEven(Map<String, Long> counts, int pods, double tolerance) {
		long total = counts.values().stream().mapToLong(Long::longValue).sum();
		assertThat(counts).as("requests per pod").hasSize(pods);
		double fair = 1.0 / pods;
		counts.forEach((pod, count) -> assertThat((double) count / total).as("share of %s in %s", pod, counts)
			.isBetween(fair - tolerance, fair + tolerance));
	}

}
