package io.connbalance.refresh;

import java.time.Instant;

/**
 * How discovery of one service has gone.
 *
 * @param source where the pods came from, or {@code null} before the first success
 * @param lastRefresh when discovery last succeeded, or {@code null}
 * @param refreshes how many times discovery has succeeded
 * @param failing whether the latest attempt failed (the last good pods are kept)
 * @param failures how many times discovery has failed (an error, no answer, or an empty
 * answer that would have dropped the last known pods)
 */
public record RefreshStatus(String source, Instant lastRefresh, long refreshes, boolean failing, long failures) {

	static final RefreshStatus NEVER = new RefreshStatus(null, null, 0, false, 0);

	RefreshStatus succeeded(String source, Instant at) {
		return new RefreshStatus(source, at, this.refreshes + 1, false, this.failures);
	}

	RefreshStatus failed() {
		return new RefreshStatus(this.source, this.lastRefresh, this.refreshes, true, this.failures + 1);
	}

}
