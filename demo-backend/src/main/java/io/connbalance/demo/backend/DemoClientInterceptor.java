package io.connbalance.demo.backend;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Puts the name a gRPC client gives itself ({@code x-demo-client}) in the call's context,
 * for {@link PodCapacity}.
 */
@Component
@GlobalServerInterceptor
class DemoClientInterceptor implements ServerInterceptor {

	static final Metadata.Key<String> HEADER = Metadata.Key.of("x-demo-client", Metadata.ASCII_STRING_MARSHALLER);

	static final Context.Key<String> CLIENT = Context.key("demo-client");

	@Override
	public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
			ServerCallHandler<Q, A> next) {
		return Contexts.interceptCall(Context.current().withValue(CLIENT, headers.get(HEADER)), call, headers, next);
	}

}
