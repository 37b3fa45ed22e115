package io.connbalance.demo.frontend;

/**
 * The ways the demo reaches the backend pods.
 */
enum ClientKind {

	/** Spring's WebClient through connbalance. */
	WEB_CLIENT("webClient", "backend"),

	/** Spring's RestClient through connbalance. */
	REST_CLIENT("restClient", "backend"),

	/** A gRPC channel to {@code connbalance:///backend-grpc}. */
	GRPC("grpc", "backend-grpc"),

	/** Queries through the connbalance DataSource over the PostgreSQL replicas. */
	JDBC("jdbc", "pg"),

	/**
	 * A plain keep-alive HTTP client (a connection per caller) through a random
	 * per-connection L4 hop, as kube-proxy does.
	 */
	NAIVE("naive", "backend");

	private final String id;

	private final String service;

	ClientKind(String id, String service) {
		this.id = id;
		this.service = service;
	}

	/**
	 * The name in JSON and on the dashboard.
	 * @return the id
	 */
	String id() {
		return this.id;
	}

	/**
	 * The connbalance service key whose pods it reaches.
	 * @return the key
	 */
	String service() {
		return this.service;
	}

}
