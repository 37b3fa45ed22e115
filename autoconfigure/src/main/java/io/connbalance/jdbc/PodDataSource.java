package io.connbalance.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.pod.Pod;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.Client;
import io.connbalance.stats.PodStats;

/**
 * A DataSource over every pod of a service: one HikariCP pool per pod, and each borrow
 * from the pod with the fewest borrowed connections (ties broken at random). The choice
 * and the count it is based on change under one lock, so that concurrent borrows cannot
 * all pick the same pod.
 * <p>
 * A new pod gets a pool at once and, being the least used, the next borrows; the other
 * pods keep their connections (under load they are all in use, and closing them would
 * take capacity away just as it grows; idle ones close after Hikari's idle timeout). A
 * pod that leaves gets no new borrows, and its pool closes when its last borrowed
 * connection is returned. A pod whose pool cannot give a connection is skipped and tried
 * again after a backoff (1 s, doubling up to 30 s).
 */
public final class PodDataSource implements DataSourceBasics, AutoCloseable {

	private final PoolSettings settings;

	private final ServiceBalancer balancer;

	private final LongSupplier nanoTime;

	/** Every pool, by pod address: those of the service and those still draining. */
	private final Map<String, PodPool> pools = new LinkedHashMap<>();

	private List<PodPool> ready = List.of();

	private boolean closed;

	private long generation = -1;

	/**
	 * Creates the DataSource with the service's current pods.
	 * @param settings how pools are made
	 * @param balancer the service's balancer, whose pod counters count borrows
	 * @param pods the service's current pods
	 */
	public PodDataSource(PoolSettings settings, ServiceBalancer balancer, ServicePods pods) {
		this(settings, balancer, pods, System::nanoTime);
	}

	PodDataSource(PoolSettings settings, ServiceBalancer balancer, ServicePods pods, LongSupplier nanoTime) {
		this.settings = settings;
		this.balancer = balancer;
		this.nanoTime = nanoTime;
		update(pods);
	}

	/**
	 * The settings.
	 * @return the settings
	 */
	public PoolSettings settings() {
		return this.settings;
	}

	/**
	 * Takes the service's new pods: new pods get a pool, pods that left drain. A snapshot
	 * older than the last one taken is ignored.
	 * @param snapshot the service's pods now
	 */
	public void update(ServicePods snapshot) {
		List<PodPool> drained = new ArrayList<>();
		synchronized (this) {
			take(snapshot, drained);
		}
		// closing a pool waits for its connections to close: not while borrows wait
		drained.forEach(PodPool::close);
	}

	private void take(ServicePods snapshot, List<PodPool> drained) {
		if (this.closed || snapshot.generation() <= this.generation) {
			return;
		}
		this.generation = snapshot.generation();
		List<PodPool> nowReady = new ArrayList<>();
		for (Pod pod : snapshot.pods()) {
			if (!pod.isReady()) {
				continue;
			}
			PodPool pool = this.pools.get(pod.address());
			if (pool == null) {
				pool = new PodPool(pod, this.settings.service(), this.settings.createPool(pod));
				this.pools.put(pod.address(), pool);
			}
			pool.retired = false;
			nowReady.add(pool);
		}
		this.ready = List.copyOf(nowReady);
		for (PodPool pool : List.copyOf(this.pools.values())) {
			if (!nowReady.contains(pool)) {
				pool.retired = true;
				if (removeIfDrained(pool)) {
					drained.add(pool);
				}
			}
		}
	}

	@Override
	public Connection getConnection() throws SQLException {
		Set<PodPool> tried = new HashSet<>();
		List<String> failures = new ArrayList<>();
		SQLException lastFailure = null;
		while (true) {
			Borrow borrow = reserve(tried);
			if (borrow == null) {
				break;
			}
			PodPool pool = borrow.pool();
			try {
				Connection connection = pool.pool().getConnection();
				pool.succeeded();
				if (borrow.counted()) {
					// the time a borrow took
					borrow.stats().responded(borrow.sent());
				}
				return BorrowedConnection.wrap(connection, () -> returned(borrow, false));
			}
			catch (SQLException ex) {
				returned(borrow, true);
				if (ex.getCause() != null) {
					// it could not open a connection (rather than: all its connections
					// are busy)
					pool.failed(this.nanoTime.getAsLong());
				}
				tried.add(pool);
				failures.add(pool.describe() + ": " + ex.getMessage());
				lastFailure = ex;
			}
		}
		throw noConnection(failures, lastFailure);
	}

	private SQLException noConnection(List<String> tried, SQLException lastFailure) {
		String service = "connbalance DataSource '" + this.settings.name() + "' (service '" + this.settings.service()
				+ "')";
		if (tried.isEmpty()) {
			return new SQLTransientConnectionException(service + ": the service has no ready pods", "08001");
		}
		return new SQLTransientConnectionException(
				service + ": no pod gave a connection; tried " + String.join("; ", tried), "08001", lastFailure);
	}

	/**
	 * Chooses the pod with the fewest borrowed connections among those not tried yet,
	 * preferring pods that are not backing off, and counts the borrow.
	 */
	private synchronized Borrow reserve(Set<PodPool> tried) {
		PodPool best = LeastBorrowed.choose(this.ready, tried, this.nanoTime.getAsLong());
		if (best == null) {
			return null;
		}
		best.borrowed++;
		PodStats stats = this.balancer.find(best.pod().address());
		boolean counted = stats != null && stats.begin();
		return new Borrow(best, stats, counted, counted ? stats.now() : 0);
	}

	private void returned(Borrow borrow, boolean failure) {
		boolean drained;
		synchronized (this) {
			borrow.pool().borrowed--;
			drained = removeIfDrained(borrow.pool());
		}
		if (drained) {
			borrow.pool().close();
		}
		if (borrow.counted()) {
			// a pod that gives no connection is backed off here (PodPool#failed), and a
			// full pool is busy, not failing: neither counts toward the service's outlier
			// ejection, which would mark the pod ejected by rules the DataSource does not
			// follow
			if (failure) {
				borrow.stats().endWithoutResponse(Client.JDBC, borrow.sent(), true, false);
			}
			else {
				borrow.stats().end(Client.JDBC, borrow.sent(), false, false);
			}
		}
	}

	/** Under the lock: whether a pool that left has nothing borrowed and is now gone. */
	private boolean removeIfDrained(PodPool pool) {
		return pool.retired && pool.borrowed == 0 && this.pools.remove(pool.pod().address(), pool);
	}

	/**
	 * Open connections to a pod, from its pool.
	 * @param pod the pod
	 * @return the count, 0 when there is no pool
	 */
	public synchronized int openConnections(Pod pod) {
		PodPool pool = this.pools.get(pod.address());
		return (pool != null) ? pool.openConnections() : 0;
	}

	/**
	 * Whether a pod gave no connection lately and is skipped until it is tried again.
	 * @param pod the pod
	 * @return {@code true} while it is backing off
	 */
	public synchronized boolean isBackingOff(Pod pod) {
		PodPool pool = this.pools.get(pod.address());
		return pool != null && pool.isBackingOff(this.nanoTime.getAsLong());
	}

	/**
	 * The state of every pod's pool, sorted by pod name.
	 * @return one entry per pool
	 */
	public synchronized List<PoolState> pools() {
		long now = this.nanoTime.getAsLong();
		return this.pools.values()
			.stream()
			.sorted((a, b) -> a.pod().compareTo(b.pod()))
			.map((pool) -> new PoolState(pool.pod(), pool.pool().getPoolName(), pool.openConnections(), pool.borrowed,
					pool.retired, pool.isBackingOff(now)))
			.toList();
	}

	/**
	 * The state of one pod's pool.
	 *
	 * @param pod the pod
	 * @param poolName the Hikari pool name
	 * @param open connections open now
	 * @param borrowed connections borrowed now (including borrows waiting for one)
	 * @param draining whether the pod has left and its pool closes once nothing is
	 * borrowed
	 * @param backingOff whether the pod gave no connection lately and is skipped
	 */
	public record PoolState(Pod pod, String poolName, int open, int borrowed, boolean draining, boolean backingOff) {
	}

	/**
	 * Closes every pool.
	 */
	@Override
	public void close() {
		List<PodPool> all;
		synchronized (this) {
			this.closed = true;
			all = List.copyOf(this.pools.values());
			this.pools.clear();
			this.ready = List.of();
		}
		all.forEach((pool) -> pool.pool().close());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		throw new SQLFeatureNotSupportedException(
				"connbalance DataSources use the configured credentials: call getConnection() without arguments");
	}

	@Override
	public String toString() {
		return "PodDataSource[" + this.settings.name() + ", service " + this.settings.service() + "]";
	}

	/**
	 * One borrow: the pool it came from, the pod counter it was counted in, and when.
	 */
	private record Borrow(PodPool pool, PodStats stats, boolean counted, long sent) {
	}

}
