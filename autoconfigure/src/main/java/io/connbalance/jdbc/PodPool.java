package io.connbalance.jdbc;

import java.time.Duration;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.connbalance.pod.Pod;

/**
 * The HikariCP pool of one pod of a {@link PodDataSource}, with its borrow count and its
 * back-off: a pod that gives no connection is skipped, and tried again after 1 s,
 * doubling up to 30 s.
 */
final class PodPool {

	private static final Log logger = LogFactory.getLog(PodPool.class);

	private static final long FIRST_BACKOFF_NANOS = Duration.ofSeconds(1).toNanos();

	private static final long MAX_BACKOFF_NANOS = Duration.ofSeconds(30).toNanos();

	private final Pod pod;

	private final String service;

	private final HikariDataSource pool;

	/** Connections borrowed now, guarded by the DataSource's lock. */
	int borrowed;

	/** Whether the pod has left its service, guarded by the DataSource's lock. */
	boolean retired;

	private volatile int failures;

	private volatile long retryAt;

	PodPool(Pod pod, String service, HikariDataSource pool) {
		this.pod = pod;
		this.service = service;
		this.pool = pool;
	}

	Pod pod() {
		return this.pod;
	}

	HikariDataSource pool() {
		return this.pool;
	}

	int openConnections() {
		return this.pool.isClosed() ? 0 : this.pool.getHikariPoolMXBean().getTotalConnections();
	}

	/**
	 * Whether the pod gave no connection lately and is skipped until it is tried again.
	 * @param now a {@link System#nanoTime()} reading
	 * @return {@code true} while backing off
	 */
	boolean isBackingOff(long now) {
		return this.failures > 0 && now - this.retryAt < 0;
	}

	/**
	 * The pod gave a connection: its back-off, if any, is over.
	 */
	void succeeded() {
		if (this.failures == 0) {
			return;
		}
		synchronized (this) {
			if (this.failures > 0) {
				logger.info("Pod " + describe() + " of service '" + this.service + "' gives connections again");
			}
			this.failures = 0;
		}
	}

	/**
	 * The pod could not open a connection: it backs off, longer with each failure.
	 * @param now a {@link System#nanoTime()} reading
	 */
	synchronized void failed(long now) {
		this.failures++;
		this.retryAt = now + Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(this.failures - 1, 5));
		if (this.failures == 1) {
			logger.warn("Pod " + describe() + " of service '" + this.service
					+ "' gave no connection; other pods take its borrows until it is retried");
		}
	}

	/**
	 * Closes the pool of a pod that has left, once nothing is borrowed from it.
	 */
	void close() {
		this.pool.close();
		logger.info("Closed the pool of " + describe() + ", which left service '" + this.service + "'");
	}

	String describe() {
		return this.pod.name() + " (" + this.pod.address() + ")";
	}

}
