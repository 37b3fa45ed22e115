package io.connbalance.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;

import io.connbalance.pod.Pod;

/**
 * Resolves every host name to one pod's address, so that a client made for that pod
 * connects to it while requests, TLS and {@code Host} name the service.
 */
public final class PodAddressResolverGroup extends AddressResolverGroup<InetSocketAddress> {

	private final InetAddress address;

	/**
	 * Creates the resolver group of a pod.
	 * @param pod the pod every name resolves to
	 */
	public PodAddressResolverGroup(Pod pod) {
		this.address = PodUris.address(pod);
	}

	@Override
	protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
		return new AbstractAddressResolver<>(executor, InetSocketAddress.class) {

			@Override
			protected boolean doIsResolved(InetSocketAddress address) {
				return !address.isUnresolved();
			}

			@Override
			protected void doResolve(InetSocketAddress unresolved, Promise<InetSocketAddress> promise) {
				promise.setSuccess(new InetSocketAddress(PodAddressResolverGroup.this.address, unresolved.getPort()));
			}

			@Override
			protected void doResolveAll(InetSocketAddress unresolved, Promise<List<InetSocketAddress>> promise) {
				promise.setSuccess(
						List.of(new InetSocketAddress(PodAddressResolverGroup.this.address, unresolved.getPort())));
			}

		};
	}

}
