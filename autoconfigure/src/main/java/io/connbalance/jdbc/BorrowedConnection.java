package io.connbalance.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connection borrowed from a pod's pool, which tells the pool when it is closed
 * (returned). Everything else goes to the pooled connection. The statements, metadata and
 * result sets it hands out lead back to it ({@code statement.getConnection()} is this
 * connection), so that closing the connection reached through them returns the borrow
 * too.
 */
final class BorrowedConnection implements InvocationHandler {

	private final Connection target;

	private final Runnable onReturn;

	private final AtomicBoolean returned = new AtomicBoolean();

	private BorrowedConnection(Connection target, Runnable onReturn) {
		this.target = target;
		this.onReturn = onReturn;
	}

	static Connection wrap(Connection target, Runnable onReturn) {
		return (Connection) Proxy.newProxyInstance(BorrowedConnection.class.getClassLoader(),
				new Class<?>[] { Connection.class }, new BorrowedConnection(target, onReturn));
	}

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		switch (method.getName()) {
			case "close" -> {
				if (this.returned.compareAndSet(false, true)) {
					try {
						this.target.close();
					}
					finally {
						this.onReturn.run();
					}
				}
				return null;
			}
			case "toString" -> {
				return "BorrowedConnection[" + this.target + "]";
			}
			default -> {
				return Reached.invoke(proxy, this.target, method, args, (Connection) proxy, null);
			}
		}
	}

	/**
	 * A statement, metadata or result set reached from a borrowed connection, whose way
	 * back leads to the borrowed connection and the statement it came from.
	 */
	private record Reached(Object target, Connection connection, Statement statement) implements InvocationHandler {

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			if (args == null && method.getName().equals("getConnection")) {
				return this.connection;
			}
			if (args == null && method.getName().equals("getStatement") && this.statement != null) {
				return this.statement;
			}
			Statement owner = (proxy instanceof Statement statement) ? statement : this.statement;
			return invoke(proxy, this.target, method, args, this.connection, owner);
		}

		static Object invoke(Object proxy, Object target, Method method, Object[] args, Connection connection,
				Statement statement) throws Throwable {
			switch (method.getName()) {
				case "equals" -> {
					return proxy == args[0];
				}
				case "hashCode" -> {
					return System.identityHashCode(proxy);
				}
				default -> {
					Object result;
					try {
						result = method.invoke(target, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getTargetException();
					}
					Class<?> type = method.getReturnType();
					if (result != null && type.isInterface() && (Statement.class.isAssignableFrom(type)
							|| type == DatabaseMetaData.class || type == ResultSet.class)) {
						return Proxy.newProxyInstance(BorrowedConnection.class.getClassLoader(),
								new Class<?>[] { type }, new Reached(result, connection, statement));
					}
					return result;
				}
			}
		}

	}

}
