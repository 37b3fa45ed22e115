package io.connbalance.grpc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.SynchronizationContext.ScheduledHandle;

import io.connbalance.stats.PodStats;

/**
 * One subchannel (one HTTP/2 connection) per pod, and a pod chosen per call by the
 * service's strategy among the pods whose subchannel is READY. Stream tracers count each
 * call in the pod's counters. A pod that leaves is picked no more; its subchannel closes
 * once the calls this channel still has on it have finished, or after the drain timeout,
 * which ends the calls still running (those made through a
 * {@link DrainDeadlineInterceptor}).
 * <p>
 * Everything but the picker and the tracers runs in the channel's synchronization
 * context.
 */
final class PodLoadBalancer extends LoadBalancer {

	/** How long a new channel's first calls wait for its first connections to be made. */
	static final long SETTLE_MILLIS = 250;

	private final Helper helper;

	private final Map<String, PodSubchannel> subchannels = new LinkedHashMap<>();

	private ServiceBinding binding;

	private Status lastFailure = Status.UNAVAILABLE;

	/** Whether the channel's first connections have been made (or waited for). */
	private boolean settled;

	private ScheduledHandle settleTimer;

	PodLoadBalancer(Helper helper) {
		this.helper = helper;
	}

	@Override
	public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
		ServiceBinding binding = resolved.getAttributes().get(ServiceBinding.KEY);
		if (binding == null) {
			Status error = Status.FAILED_PRECONDITION.withDescription("The '" + PodLoadBalancerProvider.POLICY
					+ "' load-balancing policy works only with connbalance:///<service key> targets");
			handleNameResolutionError(error);
			return error;
		}
		this.binding = binding;
		Set<String> present = new HashSet<>();
		// connections are opened in a random order, so that the channels of many
		// clients do not all reach the first pod of the list first
		List<EquivalentAddressGroup> groups = new ArrayList<>(resolved.getAddresses());
		Collections.shuffle(groups);
		for (EquivalentAddressGroup group : groups) {
			String pod = group.getAttributes().get(ServiceBinding.POD);
			present.add(pod);
			PodSubchannel existing = this.subchannels.get(pod);
			if (existing != null) {
				existing.rejoin();
			}
			else {
				this.subchannels.put(pod, new PodSubchannel(pod, group));
			}
		}
		for (PodSubchannel subchannel : List.copyOf(this.subchannels.values())) {
			if (!present.contains(subchannel.pod)) {
				subchannel.leave();
			}
		}
		updateBalancingState();
		return Status.OK;
	}

	@Override
	public boolean canHandleEmptyAddressListFromNameResolution() {
		return true;
	}

	@Override
	public void handleNameResolutionError(Status error) {
		if (this.subchannels.isEmpty()) {
			this.helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE,
					new FixedResultPicker(PickResult.withError(error)));
		}
	}

	@Override
	public void requestConnection() {
		this.subchannels.values().forEach(PodSubchannel::requestConnectionIfIdle);
	}

	@Override
	public void shutdown() {
		if (this.settleTimer != null) {
			this.settleTimer.cancel();
		}
		List.copyOf(this.subchannels.values()).forEach(PodSubchannel::close);
	}

	private void updateBalancingState() {
		List<PodStats> ready = new ArrayList<>();
		Map<PodStats, PickResult> byStats = new IdentityHashMap<>();
		boolean connecting = false;
		for (PodSubchannel subchannel : this.subchannels.values()) {
			if (subchannel.leaving) {
				continue;
			}
			PodStats stats = this.binding.balancer().find(subchannel.pod);
			subchannel.calls.stats(stats);
			if (subchannel.state == ConnectivityState.READY && stats != null) {
				ready.add(stats);
				byStats.put(stats, PickResult.withSubchannel(subchannel.subchannel, subchannel.calls.tracers()));
			}
			else if (subchannel.state != ConnectivityState.TRANSIENT_FAILURE) {
				connecting = true;
			}
		}
		if (!ready.isEmpty() && !this.settled && connecting) {
			// the first connections are being made: the calls wait for them (a moment,
			// at most SETTLE_MILLIS) rather than all go to the pod that answered first
			waitForFirstConnections();
		}
		else if (!ready.isEmpty()) {
			this.settled = true;
			this.helper.updateBalancingState(ConnectivityState.READY,
					new PodPicker(this.binding.balancer(), ready, byStats));
		}
		else if (connecting) {
			this.helper.updateBalancingState(ConnectivityState.CONNECTING,
					new FixedResultPicker(PickResult.withNoResult()));
		}
		else {
			this.helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE,
					new FixedResultPicker(PickResult.withError(noPodStatus())));
		}
	}

	private void waitForFirstConnections() {
		if (this.settleTimer == null) {
			this.settleTimer = this.helper.getSynchronizationContext().schedule(() -> {
				this.settled = true;
				updateBalancingState();
			}, SETTLE_MILLIS, TimeUnit.MILLISECONDS, this.helper.getScheduledExecutorService());
		}
		this.helper.updateBalancingState(ConnectivityState.CONNECTING,
				new FixedResultPicker(PickResult.withNoResult()));
	}

	private Status noPodStatus() {
		String service = this.binding.service();
		if (this.subchannels.isEmpty()) {
			return Status.UNAVAILABLE.withDescription("connbalance: service '" + service + "' has no ready pods");
		}
		return Status.UNAVAILABLE
			.withDescription("connbalance: no pod of service '" + service + "' accepts connections; last error: "
					+ this.lastFailure.getCode() + " " + this.lastFailure.getDescription())
			.withCause(this.lastFailure.getCause());
	}

	/**
	 * The subchannel of one pod and the calls this channel has in flight on it.
	 */
	private final class PodSubchannel implements SubchannelStateListener {

		private final String pod;

		private final Subchannel subchannel;

		private final PodCalls calls = new PodCalls(this::lastCallEnded);

		private volatile boolean leaving;

		private ConnectivityState state = ConnectivityState.IDLE;

		private boolean closed;

		private ScheduledHandle drainTimer;

		PodSubchannel(String pod, EquivalentAddressGroup group) {
			this.pod = pod;
			this.subchannel = PodLoadBalancer.this.helper
				.createSubchannel(CreateSubchannelArgs.newBuilder().setAddresses(group).build());
			this.subchannel.start(this);
			this.subchannel.requestConnection();
		}

		@Override
		public void onSubchannelState(ConnectivityStateInfo info) {
			ConnectivityState next = info.getState();
			if (this.closed || next == ConnectivityState.SHUTDOWN) {
				return;
			}
			GrpcConnections connections = PodLoadBalancer.this.binding.connections();
			if (this.state == ConnectivityState.READY && next != ConnectivityState.READY) {
				connections.closed(PodLoadBalancer.this.binding.service(), this.pod);
			}
			else if (this.state != ConnectivityState.READY && next == ConnectivityState.READY) {
				connections.opened(PodLoadBalancer.this.binding.service(), this.pod);
			}
			this.state = next;
			if (next == ConnectivityState.TRANSIENT_FAILURE) {
				PodLoadBalancer.this.lastFailure = info.getStatus();
				PodLoadBalancer.this.helper.refreshNameResolution();
			}
			if (next == ConnectivityState.IDLE && this.leaving) {
				// its connection has gone (the server closed it): nothing left to wait
				// for
				close();
				return;
			}
			requestConnectionIfIdle();
			updateBalancingState();
		}

		void requestConnectionIfIdle() {
			if (this.state == ConnectivityState.IDLE && !this.leaving) {
				this.subchannel.requestConnection();
			}
		}

		void leave() {
			this.leaving = true;
			closeIfIdle();
			PodStats stats = PodLoadBalancer.this.binding.balancer().find(this.pod);
			if (stats != null && !stats.isRetired() && stats.pod().isReady()) {
				// still one of the service's pods, only not in this client's subset: its
				// calls end as they will, and its connection closes once they have
				return;
			}
			if (!this.closed && this.drainTimer == null) {
				Duration timeout = PodLoadBalancer.this.binding.drainTimeout();
				this.drainTimer = PodLoadBalancer.this.helper.getSynchronizationContext()
					.schedule(this::drainTimedOut, timeout.toNanos(), TimeUnit.NANOSECONDS,
							PodLoadBalancer.this.helper.getScheduledExecutorService());
			}
		}

		void rejoin() {
			this.leaving = false;
			cancelDrainTimer();
			requestConnectionIfIdle();
		}

		/**
		 * The pod left a drain timeout ago and calls still run on it: they end, so that
		 * its connection closes (a hung pod would hold it forever).
		 */
		private void drainTimedOut() {
			this.drainTimer = null;
			if (!this.leaving || this.closed) {
				return;
			}
			this.calls.cancel(new DrainTimeoutException(PodLoadBalancer.this.binding.service(), this.pod,
					PodLoadBalancer.this.binding.drainTimeout()));
			close();
		}

		private void cancelDrainTimer() {
			if (this.drainTimer != null) {
				this.drainTimer.cancel();
				this.drainTimer = null;
			}
		}

		void closeIfIdle() {
			if (this.leaving && this.calls.inFlight() == 0) {
				close();
			}
		}

		void close() {
			if (this.closed) {
				return;
			}
			this.closed = true;
			cancelDrainTimer();
			if (this.state == ConnectivityState.READY) {
				PodLoadBalancer.this.binding.connections().closed(PodLoadBalancer.this.binding.service(), this.pod);
			}
			this.subchannel.shutdown();
			PodLoadBalancer.this.subchannels.remove(this.pod, this);
		}

		private void lastCallEnded() {
			if (this.leaving) {
				PodLoadBalancer.this.helper.getSynchronizationContext().execute(this::closeIfIdle);
			}
		}

	}

}
