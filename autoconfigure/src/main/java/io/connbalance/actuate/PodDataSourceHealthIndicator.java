package io.connbalance.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import io.connbalance.jdbc.PodDataSource;

/**
 * Health of one multi-host DataSource: UP while at least one of its pods gives
 * connections, with each pod's pool in the details. It opens no connection itself.
 */
public final class PodDataSourceHealthIndicator extends AbstractHealthIndicator {

	private final PodDataSource dataSource;

	/**
	 * Creates the indicator.
	 * @param dataSource the DataSource
	 */
	public PodDataSourceHealthIndicator(PodDataSource dataSource) {
		super("connbalance DataSource health check failed");
		this.dataSource = dataSource;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		Map<String, Object> pods = new LinkedHashMap<>();
		int serving = 0;
		for (PodDataSource.PoolState pool : this.dataSource.pools()) {
			String state = pool.backingOff() ? "unreachable" : pool.draining() ? "draining" : "ready";
			if (state.equals("ready")) {
				serving++;
			}
			pods.put(pool.pod().name(), Map.of("address", pool.pod().address(), "state", state, "open", pool.open(),
					"borrowed", pool.borrowed()));
		}
		builder.status((serving > 0) ? "UP" : "DOWN")
			.withDetail("service", this.dataSource.settings().service())
			.withDetail("pods", pods);
	}

}
