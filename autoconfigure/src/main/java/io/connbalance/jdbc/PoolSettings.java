package io.connbalance.jdbc;

import java.time.Duration;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.connbalance.pod.Pod;

/**
 * How the pool of each pod of one DataSource is made.
 *
 * @param name the DataSource's name (its key under {@code connbalance.datasources})
 * @param service the service key whose pods are the database hosts
 * @param urlTemplate the JDBC URL with {@code {host}} and {@code {port}}
 * @param username the database user
 * @param password the database password (never printed)
 * @param poolSizePerPod the most connections per pod
 * @param connectionTimeout how long a borrow waits for one pod's pool
 * @param meterRegistry a Micrometer {@code MeterRegistry} for Hikari's pool metrics, or
 * {@code null}
 */
public record PoolSettings(String name, String service, String urlTemplate, String username, String password,
		int poolSizePerPod, Duration connectionTimeout, Object meterRegistry) {

	/**
	 * The JDBC URL of a pod.
	 * @param pod the pod
	 * @return the URL
	 */
	public String url(Pod pod) {
		return this.urlTemplate.replace("{host}", pod.host()).replace("{port}", String.valueOf(pod.port()));
	}

	/**
	 * The pool name of a pod, which names the DataSource, the service and the pod.
	 * @param pod the pod
	 * @return the name
	 */
	public String poolName(Pod pod) {
		return "connbalance-" + this.name + "-" + this.service + "-" + pod.name();
	}

	HikariDataSource createPool(Pod pod) {
		HikariConfig config = new HikariConfig();
		config.setPoolName(poolName(pod));
		config.setJdbcUrl(url(pod));
		config.setUsername(this.username);
		config.setPassword(this.password);
		config.setMaximumPoolSize(this.poolSizePerPod);
		// connections are opened as borrows need them, and idle ones close after the idle
		// timeout: a pod's pool holds what its share of the borrows needs
		config.setMinimumIdle(0);
		config.setConnectionTimeout(this.connectionTimeout.toMillis());
		// a pod that is down when its pool is made must not fail the application
		config.setInitializationFailTimeout(-1);
		if (this.meterRegistry != null) {
			config.setMetricRegistry(this.meterRegistry);
		}
		return new HikariDataSource(config);
	}

	@Override
	public String toString() {
		return "PoolSettings[name=" + this.name + ", service=" + this.service + ", url=" + this.urlTemplate
				+ ", username=" + this.username + ", password=******, poolSizePerPod=" + this.poolSizePerPod
				+ ", connectionTimeout=" + this.connectionTimeout + "]";
	}

}
