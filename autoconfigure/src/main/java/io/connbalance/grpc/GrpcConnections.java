package io.connbalance.grpc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.connbalance.pod.Pod;
import io.connbalance.stats.ConnectionCounter;

/**
 * The gRPC subchannels that are READY right now, per service and pod, over every
 * {@code connbalance:///} channel of the application. A READY subchannel is one open
 * HTTP/2 connection.
 */
public final class GrpcConnections implements ConnectionCounter {

	private final Map<String, Map<String, AtomicInteger>> ready = new ConcurrentHashMap<>();

	@Override
	public String kind() {
		return "grpc";
	}

	@Override
	public int openConnections(String service, Pod pod) {
		Map<String, AtomicInteger> byAddress = this.ready.get(service);
		AtomicInteger count = (byAddress != null) ? byAddress.get(pod.address()) : null;
		return (count != null) ? count.get() : 0;
	}

	void opened(String service, String address) {
		this.ready.computeIfAbsent(service, (key) -> new ConcurrentHashMap<>())
			.merge(address, new AtomicInteger(1), (count, one) -> {
				count.incrementAndGet();
				return count;
			});
	}

	void closed(String service, String address) {
		Map<String, AtomicInteger> byAddress = this.ready.get(service);
		if (byAddress != null) {
			// the counter of a pod with no connection left goes, so that pods that left
			// leave nothing behind
			byAddress.computeIfPresent(address, (key, count) -> (count.decrementAndGet() > 0) ? count : null);
		}
	}

}
