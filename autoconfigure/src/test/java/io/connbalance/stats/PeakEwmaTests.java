package io.connbalance.stats;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link PeakEwma}, on a test clock.
 */
class PeakEwmaTests {

	private static final long MS = 1_000_000;

	private static final long TAU = PeakEwma.DECAY_NANOS;

	@Test
	void startsAtTheDefault() {
		assertThat(new PeakEwma(0).estimate(0)).isEqualTo(PeakEwma.DEFAULT_NANOS);
	}

	@Test
	void aSlowerResponseIsTakenAtOnce() {
		PeakEwma ewma = new PeakEwma(0);
		ewma.observe(50 * MS, 0);
		assertThat(ewma.estimate(0)).isEqualTo(50 * MS);
	}

	@Test
	void fasterResponsesBringItDownByTheTimeThatPassed() {
		PeakEwma ewma = new PeakEwma(0);
		ewma.observe(50 * MS, 0);
		ewma.observe(1 * MS, TAU);
		// 50 ms weighted 1/e, 1 ms weighted 1 - 1/e
		assertThat((double) ewma.estimate(TAU)).isCloseTo(50 * MS / Math.E + 1 * MS * (1 - 1 / Math.E),
				within(0.01 * MS));
	}

	@Test
	void withoutResponsesItFadesTowardZero() {
		PeakEwma ewma = new PeakEwma(0);
		ewma.observe(50 * MS, 0);
		assertThat((double) ewma.estimate(TAU)).isCloseTo(50 * MS / Math.E, within(0.01 * MS));
		assertThat(ewma.estimate(10 * TAU)).isLessThan(MS / 100);
	}

}
