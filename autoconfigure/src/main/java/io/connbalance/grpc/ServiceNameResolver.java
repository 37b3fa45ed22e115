package io.connbalance.grpc;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.SynchronizationContext;

import io.connbalance.pod.Pod;
import io.connbalance.pod.PodRegistry;
import io.connbalance.pod.ServicePods;

/**
 * Resolves {@code connbalance:///<service key>} to the service's ready pods (those of
 * this client's subset, when the service has a subset size), one address group per pod,
 * and pushes the full list again each time the pod registry or the subset changes. The
 * service config it hands the channel selects connbalance's own load balancer.
 */
final class ServiceNameResolver extends NameResolver implements PodRegistry.Listener {

	private static final Map<String, ?> SERVICE_CONFIG = Map.of("loadBalancingConfig",
			List.of(Map.of(PodLoadBalancerProvider.POLICY, Map.of())));

	private final PodRegistry registry;

	private final ServiceBinding binding;

	private final Runnable refreshHint;

	private final SynchronizationContext syncContext;

	private final ConfigOrError serviceConfig;

	private final Runnable selectionChanged = this::selectionChanged;

	private Listener2 listener;

	private boolean shutdown;

	ServiceNameResolver(PodRegistry registry, ServiceBinding binding, Runnable refreshHint, Args args) {
		this.registry = registry;
		this.binding = binding;
		this.refreshHint = refreshHint;
		this.syncContext = args.getSynchronizationContext();
		this.serviceConfig = args.getServiceConfigParser().parseServiceConfig(SERVICE_CONFIG);
	}

	@Override
	public String getServiceAuthority() {
		return this.binding.service();
	}

	@Override
	public void start(Listener2 listener) {
		this.listener = listener;
		this.registry.addListener(this);
		// a new subset, as the client's placement changes
		this.binding.balancer().addSelectionListener(this.selectionChanged);
		publish(this.registry.get(this.binding.service()));
	}

	@Override
	public void podsChanged(ServicePods previous, ServicePods current) {
		if (current.service().equals(this.binding.service())) {
			this.syncContext.execute(() -> publish(current));
		}
	}

	/**
	 * The channel asks again, after a connection failed: answer with the pods known now
	 * and ask discovery for news.
	 */
	@Override
	public void refresh() {
		publish(this.registry.get(this.binding.service()));
		this.refreshHint.run();
	}

	private void selectionChanged() {
		this.syncContext.execute(() -> publish(this.registry.get(this.binding.service())));
	}

	@Override
	public void shutdown() {
		this.shutdown = true;
		this.registry.removeListener(this);
		this.binding.balancer().removeSelectionListener(this.selectionChanged);
	}

	private void publish(ServicePods snapshot) {
		if (this.shutdown) {
			return;
		}
		List<EquivalentAddressGroup> addresses = new ArrayList<>();
		for (Pod pod : snapshot.pods()) {
			if (pod.isReady() && this.binding.balancer().isSelected(pod.address())) {
				addresses.add(new EquivalentAddressGroup(new InetSocketAddress(pod.host(), pod.port()),
						Attributes.newBuilder().set(ServiceBinding.POD, pod.address()).build()));
			}
		}
		this.listener.onResult2(ResolutionResult.newBuilder()
			.setAddresses(addresses)
			.setAttributes(Attributes.newBuilder().set(ServiceBinding.KEY, this.binding).build())
			.setServiceConfig(this.serviceConfig)
			.build());
	}

}
