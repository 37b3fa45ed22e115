package io.connbalance.jdbc;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.ConnectionCounter;

/**
 * The application's multi-host DataSources, kept in step with the pod registry.
 */
public final class PodDataSources implements PodRegistry.Listener, ConnectionCounter, AutoCloseable {

	private final Map<String, PodDataSource> byName = new LinkedHashMap<>();

	private final PodRegistry registry;

	/**
	 * Creates a DataSource per settings and subscribes them to the registry.
	 * @param registry the pod registry
	 * @param balancers the service balancers
	 * @param settings the DataSources' settings
	 */
	public PodDataSources(PodRegistry registry, ServiceBalancers balancers, List<PoolSettings> settings) {
		this.registry = registry;
		for (PoolSettings dataSource : settings) {
			this.byName.put(dataSource.name(), new PodDataSource(dataSource, balancers.get(dataSource.service()),
					registry.get(dataSource.service())));
		}
		// listening first, then reading again: a change made in between is seen either
		// way, and a DataSource ignores a snapshot older than the one it has
		registry.addListener(this);
		this.byName.values().forEach((dataSource) -> dataSource.update(registry.get(dataSource.settings().service())));
	}

	/**
	 * A DataSource by name.
	 * @param name its key under {@code connbalance.datasources}
	 * @return the DataSource, or {@code null}
	 */
	public PodDataSource get(String name) {
		return this.byName.get(name);
	}

	/**
	 * Every DataSource.
	 * @return the DataSources
	 */
	public Collection<PodDataSource> all() {
		return this.byName.values();
	}

	@Override
	public void podsChanged(ServicePods previous, ServicePods current) {
		for (PodDataSource dataSource : this.byName.values()) {
			if (dataSource.settings().service().equals(current.service())) {
				dataSource.update(current);
			}
		}
	}

	@Override
	public String kind() {
		return "jdbc";
	}

	@Override
	public int openConnections(String service, Pod pod) {
		int open = 0;
		for (PodDataSource dataSource : this.byName.values()) {
			if (dataSource.settings().service().equals(service)) {
				open += dataSource.openConnections(pod);
			}
		}
		return open;
	}

	@Override
	public boolean isUnreachable(String service, Pod pod) {
		for (PodDataSource dataSource : this.byName.values()) {
			if (dataSource.settings().service().equals(service) && dataSource.isBackingOff(pod)) {
				return true;
			}
		}
		return false;
	}

	@Override
	public void close() {
		this.registry.removeListener(this);
		this.byName.values().forEach(PodDataSource::close);
	}

}
