package io.connbalance.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connection borrowed from a pod's pool, which tells the pool when it is closed
 * (returned). Everything else goes to the pooled connection.
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
			case "equals" -> {
				return proxy == args[0];
			}
			case "hashCode" -> {
				return System.identityHashCode(proxy);
			}
			case "toString" -> {
				return "BorrowedConnection[" + this.target + "]";
			}
			default -> {
				try {
					return method.invoke(this.target, args);
				}
				catch (InvocationTargetException ex) {
					throw ex.getTargetException();
				}
			}
		}
	}

}
