package io.connbalance.http;

import java.net.URI;

import io.connbalance.balance.ServiceBalancer;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.pod.Pod;

/**
 * Maps {@code http://<service key>/...} to a pod's address.
 */
final class PodUris {

	private PodUris() {
	}

	/**
	 * The balancer for a URI whose host is a configured service key, {@code null} for any
	 * other URI, which passes through untouched.
	 * @throws IllegalArgumentException for a service URI with a port: requests go to each
	 * pod's own port, and a port written in the URL (often the Service's port, not the
	 * pod's) would be silently ignored
	 */
	static ServiceBalancer balancerFor(ServiceBalancers balancers, URI uri) {
		ServiceBalancer balancer = "http".equalsIgnoreCase(uri.getScheme()) ? balancers.get(uri.getHost()) : null;
		if (balancer != null && uri.getPort() != -1) {
			throw new IllegalArgumentException("The URL '" + uri + "' names port " + uri.getPort()
					+ ", but connbalance sends requests for service '" + balancer.service()
					+ "' to the port of each pod, found by discovery: remove ':" + uri.getPort()
					+ "' from the URL, and choose the pods' port with connbalance.services." + balancer.service()
					+ ".port-name or .port");
		}
		return balancer;
	}

	/**
	 * The URI with its host and port replaced by the pod's; path, query and fragment are
	 * kept as encoded.
	 */
	static URI rewrite(URI uri, Pod pod) {
		StringBuilder result = new StringBuilder(64).append(uri.getScheme()).append("://");
		if (uri.getRawUserInfo() != null) {
			result.append(uri.getRawUserInfo()).append('@');
		}
		result.append(pod.address());
		if (uri.getRawPath() != null) {
			result.append(uri.getRawPath());
		}
		if (uri.getRawQuery() != null) {
			result.append('?').append(uri.getRawQuery());
		}
		if (uri.getRawFragment() != null) {
			result.append('#').append(uri.getRawFragment());
		}
		return URI.create(result.toString());
	}

}
