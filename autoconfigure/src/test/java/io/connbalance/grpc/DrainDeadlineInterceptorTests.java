package io.connbalance.grpc;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import org.junit.jupiter.api.Test;

import io.connbalance.grpc.DrainDeadlineInterceptor.CancellableCall;
import io.connbalance.testsupport.GrpcPodServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The context connbalance cancels is the call's own: the call's listener, and the calls
 * it starts, run in the caller's context.
 */
class DrainDeadlineInterceptorTests {

	@Test
	void theListenerRunsInTheCallersContextWhichCancellingTheCallLeavesAlone() throws Exception {
		try (GrpcPodServer pod = GrpcPodServer.start("pod-1", "127.0.0.2", 0)) {
			ManagedChannel channel = ManagedChannelBuilder.forAddress(pod.host(), pod.port()).usePlaintext().build();
			try {
				AtomicReference<CancellableCall> handle = new AtomicReference<>();
				ClientInterceptor capture = new ClientInterceptor() {

					@Override
					public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
							Channel next) {
						handle.set(options.getOption(CancellableCall.KEY));
						return next.newCall(method, options);
					}

				};
				// the interceptor listed last runs first
				Channel intercepted = ClientInterceptors.intercept(channel, capture, new DrainDeadlineInterceptor());
				Context.Key<String> who = Context.key("who");
				Context caller = Context.current().withValue(who, "caller");
				CompletableFuture<Context> inListener = new CompletableFuture<>();
				caller.run(() -> GrpcPodServer.whoLater(intercepted)
					.addListener(() -> inListener.complete(Context.current()), Runnable::run));
				Context seen = inListener.get(10, TimeUnit.SECONDS);

				assertThat(handle.get()).isNotNull();
				handle.get().cancel(new IllegalStateException("drained"));
				assertThat(who.get(seen)).isEqualTo("caller");
				assertThat(seen.isCancelled()).as("the caller's context, cancelled with the call").isFalse();
			}
			finally {
				channel.shutdownNow();
			}
		}
	}

}
