package io.connbalance.grpc;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;

/**
 * The {@code connbalance} load-balancing policy, which the service config of a
 * {@code connbalance:///} target selects. Found by grpc-java's service loader; it keeps
 * no state, and works only behind connbalance's name resolver.
 */
public final class PodLoadBalancerProvider extends LoadBalancerProvider {

	/** The policy name. */
	public static final String POLICY = "connbalance";

	@Override
	public boolean isAvailable() {
		return true;
	}

	@Override
	public int getPriority() {
		return 5;
	}

	@Override
	public String getPolicyName() {
		return POLICY;
	}

	@Override
	public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
		return new PodLoadBalancer(helper);
	}

}
