package io.connbalance.grpc;

import java.time.Duration;

import io.grpc.Attributes;

import io.connbalance.balance.ServiceBalancer;

/**
 * What the name resolver hands the load balancer of a {@code connbalance:///} channel
 * along with the addresses: the service's balancer (strategy and per-pod counters) and
 * where to report open connections.
 *
 * @param balancer the service's balancer
 * @param connections the application's gRPC connection counts
 * @param drainTimeout how long calls may go on on a pod that left before they are
 * cancelled
 */
record ServiceBinding(ServiceBalancer balancer, GrpcConnections connections, Duration drainTimeout) {

	/** The resolution attribute that carries the binding. */
	static final Attributes.Key<ServiceBinding> KEY = Attributes.Key.create("io.connbalance.grpc.ServiceBinding");

	/** The address attribute that names the pod ({@code host:port}). */
	static final Attributes.Key<String> POD = Attributes.Key.create("io.connbalance.grpc.pod");

	String service() {
		return this.balancer.service();
	}

}
