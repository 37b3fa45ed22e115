package io.connbalance.pod;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Holds the current pods of every configured service and tells listeners about real
 * changes only. A listener that throws is logged and does not keep the change from the
 * listeners after it.
 */
public class PodRegistry {

	private static final Log logger = LogFactory.getLog(PodRegistry.class);

	private final Map<String, ServicePods> snapshots = new ConcurrentHashMap<>();

	private final List<Listener> listeners = new CopyOnWriteArrayList<>();

	/**
	 * Creates a registry with an empty snapshot for each service.
	 * @param services the service keys
	 */
	public PodRegistry(Collection<String> services) {
		services.forEach((service) -> this.snapshots.put(service, ServicePods.empty(service)));
	}

	/**
	 * The current snapshot of a service.
	 * @param service the service key
	 * @return the snapshot, or {@code null} for a service that is not configured
	 */
	public ServicePods get(String service) {
		return this.snapshots.get(service);
	}

	/**
	 * The service keys, in configuration order is not guaranteed.
	 * @return the keys
	 */
	public Collection<String> services() {
		return this.snapshots.keySet();
	}

	/**
	 * Replaces a service's pods, publishing a new generation only when they differ.
	 * @param service the service key
	 * @param pods the pods now known
	 * @return {@code true} if the pods changed
	 */
	public boolean update(String service, List<Pod> pods) {
		ServicePods[] change = new ServicePods[2];
		this.snapshots.computeIfPresent(service, (key, current) -> {
			if (current.samePods(pods)) {
				return current;
			}
			change[0] = current;
			change[1] = current.next(pods);
			return change[1];
		});
		if (change[1] == null) {
			return false;
		}
		for (Listener listener : this.listeners) {
			try {
				listener.podsChanged(change[0], change[1]);
			}
			catch (RuntimeException ex) {
				// one client kind that cannot take the change must not keep it from the
				// others
				logger.error("A listener of the pods of service '" + service + "' failed to take generation "
						+ change[1].generation() + ": " + listener, ex);
			}
		}
		return true;
	}

	/**
	 * Adds a listener told about each change, in order, on the updating thread.
	 * @param listener the listener
	 */
	public void addListener(Listener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Removes a listener.
	 * @param listener the listener
	 */
	public void removeListener(Listener listener) {
		this.listeners.remove(listener);
	}

	/**
	 * Told when a service's pods change.
	 */
	@FunctionalInterface
	public interface Listener {

		/**
		 * Called after a service's pods changed.
		 * @param previous the snapshot before
		 * @param current the snapshot now
		 */
		void podsChanged(ServicePods previous, ServicePods current);

	}

}
