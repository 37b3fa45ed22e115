package io.connbalance.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.MethodDescriptor;

/**
 * Lets connbalance end the calls still running on a pod that left its service once
 * {@code connbalance.grpc.drain-timeout} has passed, so that a hung pod's connection
 * closes. grpc-java closes a subchannel gracefully only, waiting for every call on it;
 * this interceptor gives each call a context of its own that connbalance cancels.
 * <p>
 * Channels that Spring's {@code GrpcChannelFactory} builds for {@code connbalance:///}
 * targets have it already. A channel built with {@code ManagedChannelBuilder} adds it
 * with {@code .intercept(new DrainDeadlineInterceptor())}; without it, the calls of a pod
 * that left run until they end or their deadline passes.
 */
public final class DrainDeadlineInterceptor implements ClientInterceptor {

	@Override
	public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
		Context.CancellableContext context = Context.current().withCancellation();
		Context previous = context.attach();
		try {
			// the call takes the current context when it is created
			return next.newCall(method, options.withOption(CancellableCall.KEY, new CancellableCall(context)));
		}
		finally {
			context.detach(previous);
		}
	}

	/**
	 * The context of one call, found again by the stream tracer of each of its attempts.
	 *
	 * @param context cancelled to end the call
	 */
	record CancellableCall(Context.CancellableContext context) {

		static final CallOptions.Key<CancellableCall> KEY = CallOptions.Key
			.create("io.connbalance.grpc.CancellableCall");

		void cancel(Throwable cause) {
			this.context.cancel(cause);
		}

	}

}
