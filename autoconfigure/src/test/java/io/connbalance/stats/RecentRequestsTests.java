package io.connbalance.stats;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The count over the window: everything until ten ticks have passed, then what came after
 * the tick ten ticks ago.
 */
class RecentRequestsTests {

	private final AtomicLong total = new AtomicLong();

	private final RecentRequests recent = new RecentRequests(this.total::get);

	@Test
	void aNewPodCountsEverythingUntilAWindowHasPassed() {
		this.total.set(7);
		assertThat(this.recent.count()).isEqualTo(7);
		for (int tick = 0; tick < RecentRequests.SLOTS; tick++) {
			this.recent.tick();
			this.total.addAndGet(10);
		}
		assertThat(this.recent.count()).isEqualTo(107);
	}

	@Test
	void theCountCoversTheLastTenTicks() {
		for (int tick = 0; tick < 25; tick++) {
			this.total.addAndGet(tick);
			this.recent.tick();
		}
		this.total.addAndGet(100);
		// added at ticks 15..24 after their samples, and the 100 since the last tick
		assertThat(this.recent.count()).isEqualTo(15 + 16 + 17 + 18 + 19 + 20 + 21 + 22 + 23 + 24 + 100);
	}

}
