package io.connbalance.refresh;

import java.time.Instant;

/**
 * How discovery of one service has gone.
 *
 * @param source where the pods came from, or {@code null} before the first success
 * @param lastRefresh when discovery last succeeded, or {@code null}
 * @param refreshes how many times discovery has succeeded
 * @param failing whether the latest attempt failed (the last good pods are kept)
 */
public record RefreshStatus(String source, Instant lastRefresh, long refreshes, boolean failing) {

	static final RefreshStatus NEVER = new RefreshStatus(null, null, 0, false);

	RefreshStatus succeeded(String source, Instant at) {
		return new RefreshStatus(source, at, this.refreshes + 1, false);
	}

	RefreshStatus failed() {
		return new RefreshStatus(this.source, this.lastRefresh, this.refreshes, true);
	}

}
