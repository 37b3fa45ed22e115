package io.connbalance.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.Pod;
import io.connbalance.stats.ConnectionCounter;
import io.connbalance.stats.PodStats;

/**
 * The per-pod clients of one client kind, created on first use and closed once their pod
 * has left its service and drained, or has left this client's subset with nothing in
 * flight.
 *
 * @param <C> the client type
 */
public final class PodClients<C extends PodClient> implements ConnectionCounter {

	private final Map<String, Map<String, Owned<C>>> clients = new ConcurrentHashMap<>();

	private final BiFunction<String, Pod, C> factory;

	private final ServiceBalancers balancers;

	/** Clients made with other settings, by those settings. */
	private final Map<Object, PodClients<C>> variants = new ConcurrentHashMap<>();

	/**
	 * Creates the holder and subscribes it to every service's pod departures.
	 * @param balancers the balancers
	 * @param factory creates the client of a pod of a service
	 */
	public PodClients(ServiceBalancers balancers, BiFunction<String, Pod, C> factory) {
		this.factory = factory;
		this.balancers = balancers;
		for (ServiceBalancer balancer : balancers.all()) {
			Map<String, Owned<C>> byAddress = new ConcurrentHashMap<>();
			this.clients.put(balancer.service(), byAddress);
			// a pod that returns after it drained has new counters: only the client of
			// the counters that drained closes
			balancer.addDrainListener((stats) -> byAddress.computeIfPresent(stats.pod().address(),
					(address, owned) -> (owned.owner() == stats) ? owned.close() : owned));
			// a pod this client no longer uses (it left the subset) keeps no connections
			// once its requests are done; one still busy closes on a later change, or
			// when it drains
			balancer.addSelectionListener(() -> byAddress.forEach((address, owned) -> {
				if (!balancer.isInUse(owned.owner()) && owned.owner().inFlight() == 0) {
					byAddress.computeIfPresent(address,
							(key, current) -> (current == owned && current.owner().inFlight() == 0
									&& !balancer.isInUse(current.owner())) ? current.close() : current);
				}
			}));
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
		Owned<C> owned = this.clients.get(service).compute(pod.address(), (address, existing) -> {
			if (existing == null) {
				return new Owned<>(stats, this.factory.apply(service, pod));
			}
			if (existing.owner() != stats && existing.owner().isDrained()) {
				// the pod came back after its old counters drained: a client of its own
				existing.close();
				return new Owned<>(stats, this.factory.apply(service, pod));
			}
			return existing;
		});
		return owned.client();
	}

	/**
	 * The clients of requests made with other settings than these (a client's own SSL
	 * bundle or timeouts), made on first use; their connections count with these, and
	 * they close with these.
	 * @param settings what tells the variants apart
	 * @param factory creates the clients of the variant, asked once
	 * @return the variant's clients
	 */
	public PodClients<C> variant(Object settings, Supplier<BiFunction<String, Pod, C>> factory) {
		return this.variants.computeIfAbsent(settings, (key) -> new PodClients<>(this.balancers, factory.get()));
	}

	@Override
	public String kind() {
		return "http";
	}

	@Override
	public int openConnections(String service, Pod pod) {
		Map<String, Owned<C>> byAddress = this.clients.get(service);
		Owned<C> owned = (byAddress != null) ? byAddress.get(pod.address()) : null;
		int open = (owned != null) ? owned.client().openConnections() : 0;
		for (PodClients<C> variant : this.variants.values()) {
			open += variant.openConnections(service, pod);
		}
		return open;
	}

	/**
	 * Closes every client (application shutdown).
	 */
	public void close() {
		this.clients.values().forEach((byAddress) -> {
			byAddress.values().forEach(Owned::close);
			byAddress.clear();
		});
		this.variants.values().forEach(PodClients::close);
	}

	/**
	 * A pod's client and the counters of the pod it was made for.
	 */
	private record Owned<C extends PodClient>(PodStats owner, C client) {

		Owned<C> close() {
			this.client.close();
			return null;
		}

	}

}
