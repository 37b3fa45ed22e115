package io.connbalance.rsocket;

import java.util.ArrayList;
import java.util.List;

import io.rsocket.RSocket;
import io.rsocket.loadbalance.LoadbalanceStrategy;

/**
 * A strategy that chooses among the sockets of pods that have not left and are not
 * ejected (see {@link CountingConnection#availability()}), or among all of them when none
 * is.
 */
final class AvailableFirst implements LoadbalanceStrategy {

	private final LoadbalanceStrategy delegate;

	AvailableFirst(LoadbalanceStrategy delegate) {
		this.delegate = delegate;
	}

	@Override
	public RSocket select(List<RSocket> sockets) {
		// rsocket-java's list offers size and get alone
		int available = 0;
		for (int i = 0; i < sockets.size(); i++) {
			if (sockets.get(i).availability() != CountingConnection.EXCLUDED) {
				available++;
			}
		}
		if (available == 0 || available == sockets.size()) {
			return this.delegate.select(sockets);
		}
		List<RSocket> usable = new ArrayList<>(available);
		for (int i = 0; i < sockets.size(); i++) {
			if (sockets.get(i).availability() != CountingConnection.EXCLUDED) {
				usable.add(sockets.get(i));
			}
		}
		return this.delegate.select(usable);
	}

}
