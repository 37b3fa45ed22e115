package io.connbalance.grpc;

import java.util.List;
import java.util.Map;

import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Status;

import io.connbalance.balance.NoPodAvailableException;
import io.connbalance.balance.PodSelection;
import io.connbalance.balance.ServiceBalancer;
import io.connbalance.stats.PodStats;

/**
 * Picks per call among the READY pods, with the service's balancer (its locality,
 * strategy, ejection and slow start).
 */
final class PodPicker extends SubchannelPicker {

	private final ServiceBalancer balancer;

	private final List<PodStats> ready;

	private final PodSelection selection;

	private final Map<PodStats, PickResult> results;

	/**
	 * Creates the picker.
	 * @param balancer the service's balancer
	 * @param ready the pods to choose from
	 * @param results what a pick of each pod returns: its subchannel and tracers
	 */
	PodPicker(ServiceBalancer balancer, List<PodStats> ready, Map<PodStats, PickResult> results) {
		this.balancer = balancer;
		this.ready = List.copyOf(ready);
		PodSelection selection = balancer.select(this.ready);
		// the balancer's selection may have changed before the channel heard of it: the
		// ready pods then, rather than none
		this.selection = selection.isEmpty() ? PodSelection.of(this.ready) : selection;
		this.results = results;
	}

	@Override
	public PickResult pickSubchannel(PickSubchannelArgs args) {
		try {
			return this.results.get(this.balancer.choose(this.selection));
		}
		catch (NoPodAvailableException ex) {
			// thrown here, it would fail the channel for good
			return PickResult.withError(Status.UNAVAILABLE.withDescription(ex.getMessage()));
		}
	}

	@Override
	public String toString() {
		return "PodPicker" + this.ready;
	}

}
