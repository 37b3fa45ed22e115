package io.connbalance.rsocket;

import java.util.ArrayList;
import java.util.List;

import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.loadbalance.ClientLoadbalanceStrategy;
import io.rsocket.loadbalance.LoadbalanceStrategy;

/**
 * A strategy that chooses among the sockets of pods that have not left and are not
 * ejected (see {@link CountingConnection#availability()}), or among all of them when none
 * is.
 */
final class AvailableFirst implements ClientLoadbalanceStrategy {

	private final LoadbalanceStrategy delegate;

	AvailableFirst(LoadbalanceStrategy delegate) {
		this.delegate = delegate;
	}

	/**
	 * Lets a strategy that weighs sockets (rsocket-java's weighted one) set up the stats
	 * it keeps of each: rsocket-java initializes only the strategy it is given.
	 */
	@Override
	public void initialize(RSocketConnector connector) {
		if (this.delegate instanceof ClientLoadbalanceStrategy client) {
			client.initialize(connector);
		}
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
