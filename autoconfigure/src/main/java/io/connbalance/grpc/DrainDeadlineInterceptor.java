package io.connbalance.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Lets connbalance end the calls still running on a pod that left its service once
 * {@code connbalance.grpc.drain-timeout} has passed, so that a hung pod's connection
 * closes. grpc-java closes a subchannel gracefully only, waiting for every call on it;
 * this interceptor gives each call a context of its own that connbalance cancels. The
 * call's listener still runs in the caller's context, so calls it starts are not
 * cancelled with it.
 * <p>
 * Channels that Spring's {@code GrpcChannelFactory} builds for {@code connbalance:///}
 * targets have it already. A channel built with {@code ManagedChannelBuilder} adds it
 * with {@code .intercept(new DrainDeadlineInterceptor())}; without it, the calls of a pod
 * that left run until they end or their deadline passes.
 */
public final class DrainDeadlineInterceptor implements ClientInterceptor {

	@Override
	public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
		Context caller = Context.current();
		Context.CancellableContext context = caller.withCancellation();
		Context previous = context.attach();
		ClientCall<Q, R> call;
		try {
			// the call takes the current context when it is created
			call = next.newCall(method, options.withOption(CancellableCall.KEY, new CancellableCall(context)));
		}
		finally {
			context.detach(previous);
		}
		return new SimpleForwardingClientCall<>(call) {

			@Override
			public void start(Listener<R> listener, Metadata headers) {
				super.start(new InCallerContext<>(listener, caller), headers);
			}

		};
	}

	/**
	 * Runs a call's listener in the context of the code that made the call, not in the
	 * call's own cancellable one.
	 */
	private static final class InCallerContext<R> extends SimpleForwardingClientCallListener<R> {

		private final Context caller;

		InCallerContext(ClientCall.Listener<R> listener, Context caller) {
			super(listener);
			this.caller = caller;
		}

		@Override
		public void onHeaders(Metadata headers) {
			this.caller.run(() -> super.onHeaders(headers));
		}

		@Override
		public void onMessage(R message) {
			this.caller.run(() -> super.onMessage(message));
		}

		@Override
		public void onClose(Status status, Metadata trailers) {
			this.caller.run(() -> super.onClose(status, trailers));
		}

		@Override
		public void onReady() {
			this.caller.run(super::onReady);
		}

	}

	/**
	 * The context of one call, found again by the stream tracer of each of its attempts.
	 */
	static final class CancellableCall {

		static final CallOptions.Key<CancellableCall> KEY = CallOptions.Key
			.create("io.connbalance.grpc.CancellableCall");

		private final Context.CancellableContext context;

		CancellableCall(Context.CancellableContext context) {
			this.context = context;
		}

		void cancel(Throwable cause) {
			this.context.cancel(cause);
		}

	}

}
