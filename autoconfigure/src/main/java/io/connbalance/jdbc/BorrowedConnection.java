package io.connbalance.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connection borrowed from a pod's pool, which tells the pool when it is closed
 * (returned). Everything else goes to the pooled connection. The statements and metadata
 * it hands out lead back to it ({@code statement.getConnection()} is this connection), so
 * that closing the connection reached through them returns the borrow too. Result sets
 * are not wrapped (it would cost every read): their statement is the pooled one.
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
				return Reached.invoke(proxy, this.target, method, args, (Connection) proxy);
			}
		}
	}

	/**
	 * A statement or metadata reached from a borrowed connection, whose way back leads to
	 * the borrowed connection.
	 */
	private record Reached(Object target, Connection connection) implements InvocationHandler {

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			if (args == null && method.getName().equals("getConnection")) {
				return this.connection;
			}
			return invoke(proxy, this.target, method, args, this.connection);
		}

		static Object invoke(Object proxy, Object target, Method method, Object[] args, Connection connection)
				throws Throwable {
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
					// result sets are left alone: wrapping them would cost every getX
					// call
					if (result != null && type.isInterface()
							&& (Statement.class.isAssignableFrom(type) || type == DatabaseMetaData.class)) {
						return Proxy.newProxyInstance(BorrowedConnection.class.getClassLoader(),
								new Class<?>[] { type }, new Reached(result, connection));
					}
					return result;
				}
			}
		}

	}

}
