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
	void aBusyPodForgetsAPeakInSomeHundredResponsesNotInSeconds() {
		PeakEwma ewma = new PeakEwma(0);
		ewma.observe(51 * MS, 0);
		long now = 0;
		for (int i = 1; i <= 300; i++) {
			now += MS;
			ewma.observe(1 * MS, now);
			if (i == 100) {
				// each response weighs 1/100, not the 1/10000 of 1 ms out of a 10 s decay
				assertThat((double) ewma.estimate(now)).isCloseTo(1 * MS + 50 * MS * Math.pow(0.99, 100),
						within(0.01 * MS));
			}
		}
		// 0.3 s after the peak: time alone would still weigh it 0.97
		assertThat(ewma.estimate(now)).isLessThan(4 * MS);
	}

	@Test
	void aQuietPodStillFollowsTime() {
		PeakEwma ewma = new PeakEwma(0);
		ewma.observe(50 * MS, 0);
		ewma.observe(1 * MS, TAU / 10);
		// a response 1 s after the last weighs 1 - e^-0.1 (0.095): more than the 1/100
		// floor
		assertThat((double) ewma.estimate(TAU / 10)).isCloseTo(50 * MS * Math.exp(-0.1) + 1 * MS * (1 - Math.exp(-0.1)),
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
