package io.connbalance.http;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

import io.connbalance.pod.Pod;

/**
 * Maps {@code http://<service key>/...} and {@code https://<service key>/...} to a pod.
 */
final class PodUris {

	private PodUris() {
	}

	/**
	 * The service key a URI names: its host, when it is an {@code http} or {@code https}
	 * URI whose host (case-insensitive; keys are lower case) is one of the keys, told
	 * without the balancers, which may not exist yet while the application starts. A port
	 * written in the URL stays in the {@code Host} header only: requests go to each pod's
	 * own port, found by discovery.
	 * @return the key, or {@code null} for any other URI, which passes through untouched
	 */
	static String serviceKey(Set<String> services, URI uri) {
		String scheme = uri.getScheme();
		if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || uri.getHost() == null) {
			return null;
		}
		String host = uri.getHost().toLowerCase(Locale.ROOT);
		return services.contains(host) ? host : null;
	}

	/**
	 * A pod's address, for the resolvers that send every host name to it.
	 * @throws IllegalArgumentException when the pod's host is no address literal
	 */
	static InetAddress address(Pod pod) {
		try {
			// an address literal: no lookup
			return InetAddress.getByName(pod.host());
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException("Pod host '" + pod.host() + "' is not an address", ex);
		}
	}

	/**
	 * The authority of a URI as written, without user information: what its {@code Host}
	 * header says.
	 */
	static String authority(URI uri) {
		String authority = uri.getRawAuthority();
		int at = authority.lastIndexOf('@');
		return (at >= 0) ? authority.substring(at + 1) : authority;
	}

	/**
	 * The URI with its port replaced by the pod's and its host kept, for a client that
	 * resolves the host to the pod: TLS then checks the service's name, and path, query
	 * and fragment are kept as encoded.
	 */
	static URI toPodPort(URI uri, Pod pod) {
		return build(uri, uri.getHost() + ":" + pod.port());
	}

	/**
	 * The URI with its host and port replaced by the pod's; path, query and fragment are
	 * kept as encoded.
	 */
	static URI rewrite(URI uri, Pod pod) {
		return build(uri, pod.address());
	}

	private static URI build(URI uri, String hostAndPort) {
		StringBuilder result = new StringBuilder(64).append(uri.getScheme()).append("://");
		if (uri.getRawUserInfo() != null) {
			result.append(uri.getRawUserInfo()).append('@');
		}
		result.append(hostAndPort);
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
