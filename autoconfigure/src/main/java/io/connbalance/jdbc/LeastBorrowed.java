package io.connbalance.jdbc;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The DataSource's choice of a pod for a borrow: the fewest connections borrowed right
 * now, pods that are not backing off first, ties broken at random. Called under the
 * DataSource's lock, which guards the borrow counts.
 */
final class LeastBorrowed {

	private LeastBorrowed() {
	}

	/**
	 * Chooses a pool.
	 * @param ready the pools of the ready pods
	 * @param tried pools this borrow has tried already
	 * @param now a {@link System#nanoTime()} reading
	 * @return the pool, or {@code null} when every one has been tried
	 */
	static PodPool choose(List<PodPool> ready, Set<PodPool> tried, long now) {
		PodPool best = null;
		boolean bestBackingOff = true;
		int ties = 0;
		for (PodPool pool : ready) {
			if (tried.contains(pool)) {
				continue;
			}
			boolean backingOff = pool.isBackingOff(now);
			int order = (best != null) ? compare(backingOff, pool.borrowed, bestBackingOff, best.borrowed) : -1;
			if (order < 0) {
				best = pool;
				bestBackingOff = backingOff;
				ties = 1;
			}
			else if (order == 0 && ThreadLocalRandom.current().nextInt(++ties) == 0) {
				// reservoir sampling: each of the tied pods is chosen with equal chance
				best = pool;
			}
		}
		return best;
	}

	private static int compare(boolean backingOff, int borrowed, boolean otherBackingOff, int otherBorrowed) {
		if (backingOff != otherBackingOff) {
			return backingOff ? 1 : -1;
		}
		return Integer.compare(borrowed, otherBorrowed);
	}

}
