package io.connbalance.jdbc;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * What a DataSource that only hands out pooled connections answers to the rest of the
 * interface: no log writer, no login timeout, and a wrapper of nothing but itself.
 */
interface DataSourceBasics extends DataSource {

	@Override
	default PrintWriter getLogWriter() {
		return null;
	}

	@Override
	default void setLogWriter(PrintWriter out) {
	}

	@Override
	default void setLoginTimeout(int seconds) {
	}

	@Override
	default int getLoginTimeout() {
		return 0;
	}

	@Override
	default Logger getParentLogger() throws SQLFeatureNotSupportedException {
		throw new SQLFeatureNotSupportedException();
	}

	@Override
	default <T> T unwrap(Class<T> type) throws SQLException {
		if (type.isInstance(this)) {
			return type.cast(this);
		}
		throw new SQLException("Not a wrapper for " + type.getName());
	}

	@Override
	default boolean isWrapperFor(Class<?> type) {
		return type.isInstance(this);
	}

}
