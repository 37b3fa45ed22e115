package io.connbalance.stats;

import java.util.Locale;

/**
 * The kind of client that sent a request to a pod, as the {@code client} tag of the
 * {@code connbalance.requests} meter names it.
 */
public enum Client {

	/** A WebClient, through connbalance's connector. */
	WEBCLIENT,

	/** A RestClient (or RestTemplate), through connbalance's request factory. */
	RESTCLIENT,

	/**
	 * A gRPC channel with a {@code connbalance:} target. A call that ended with a status
	 * of the call (as {@code NOT_FOUND}) was answered by a healthy pod: only the statuses
	 * that count toward ejection are failures in its meters.
	 */
	GRPC {
		@Override
		public boolean isFailure(boolean failure, boolean podFailure) {
			return podFailure;
		}
	},

	/** An RSocketRequester with connbalance's transports: a request is one stream. */
	RSOCKET,

	/** A WebSocket client: only a failed handshake counts, as a failed request. */
	WEBSOCKET,

	/** The multi-host DataSource: a request is one borrowed connection. */
	JDBC,

	/** A {@code @LoadBalanced} client, through Spring Cloud LoadBalancer. */
	LOADBALANCER;

	private final String tag = name().toLowerCase(Locale.ROOT);

	/**
	 * The outcome of a request in the meters.
	 * @param failure whether the request failed (the endpoint's {@code failed})
	 * @param podFailure whether its pod failed it (what counts toward ejection)
	 * @return whether it is a {@code FAILURE}: for HTTP and JDBC, any failure (a server
	 * error status, a connection error, a timeout); for gRPC, a failure of the pod
	 */
	public boolean isFailure(boolean failure, boolean podFailure) {
		return failure;
	}

	/**
	 * The tag value: {@code webclient}, {@code restclient}, ...
	 * @return the lower-case name
	 */
	public String tag() {
		return this.tag;
	}

}
