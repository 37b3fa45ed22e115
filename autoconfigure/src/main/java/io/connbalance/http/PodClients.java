package io.connbalance.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.Pod;
import io.connbalance.stats.ConnectionCounter;
import io.connbalance.stats.PodStats;

/**
 * The per-pod clients of one client kind, created on first use and closed once their pod
 * has left its service and drained.
 *
 * @param <C> the client type
 */
public final class PodClients<C extends PodClient> implements ConnectionCounter {

	private final Map<String, Map<String, C>> clients = new ConcurrentHashMap<>();

	private final BiFunction<String, Pod, C> factory;

	/**
	 * Creates the holder and subscribes it to every service's pod departures.
	 * @param balancers the balancers
	 * @param factory creates the client of a pod of a service
	 */
	public PodClients(ServiceBalancers balancers, BiFunction<String, Pod, C> factory) {
		this.factory = factory;
		for (ServiceBalancer balancer : balancers.all()) {
			Map<String, C> byAddress = new ConcurrentHashMap<>();
			this.clients.put(balancer.service(), byAddress);
			balancer.addDrainListener((stats) -> {
				C client = byAddress.remove(stats.pod().address());
				if (client != null) {
					client.close();
				}
			});
		}
	}

	/**
	 * The client of a pod, created if needed.
	 * @param service the service key
	 * @param stats the pod's counters, from {@link ServiceBalancer#acquire()}
	 * @return the client
	 */
	public C get(String service, PodStats stats) {
		Pod pod = stats.pod();
		return this.clients.get(service).computeIfAbsent(pod.address(), (address) -> this.factory.apply(service, pod));
	}

	@Override
	public String kind() {
		return "http";
	}

	@Override
	public int openConnections(String service, Pod pod) {
		Map<String, C> byAddress = this.clients.get(service);
		C client = (byAddress != null) ? byAddress.get(pod.address()) : null;
		return (client != null) ? client.openConnections() : 0;
	}

	/**
	 * Closes every client (application shutdown).
	 */
	public void close() {
		this.clients.values().forEach((byAddress) -> {
			byAddress.values().forEach(PodClient::close);
			byAddress.clear();
		});
	}

}
