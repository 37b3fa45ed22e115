package io.connbalance.demo.backend;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import org.springframework.stereotype.Service;

import io.connbalance.demo.api.WatchRequest;
import io.connbalance.demo.api.WhoAmIGrpc;
import io.connbalance.demo.api.WhoAmIReply;
import io.connbalance.demo.api.WhoAmIRequest;

/**
 * The gRPC side of the backend: the pod's identity per call, or as a stream.
 */
@Service
class WhoAmIService extends WhoAmIGrpc.WhoAmIImplBase {

	private static final int MAX_COUNT = 10_000;

	private static final int MAX_INTERVAL_MILLIS = 10_000;

	private final PodIdentity pod;

	private final PodCapacity capacity;

	WhoAmIService(PodIdentity pod, PodCapacity capacity) {
		this.pod = pod;
		this.capacity = capacity;
	}

	@Override
	public void whoAmI(WhoAmIRequest request, StreamObserver<WhoAmIReply> response) {
		try {
			response.onNext(this.capacity.serve(DemoClientInterceptor.CLIENT.get(), this::reply));
			response.onCompleted();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			response.onError(Status.CANCELLED.withDescription("server shutting down").asRuntimeException());
		}
	}

	@Override
	public void watch(WatchRequest request, StreamObserver<WhoAmIReply> response) {
		if (request.getCount() < 1 || request.getCount() > MAX_COUNT || request.getIntervalMs() < 0
				|| request.getIntervalMs() > MAX_INTERVAL_MILLIS) {
			response.onError(Status.INVALID_ARGUMENT
				.withDescription("count must be 1-" + MAX_COUNT + " and interval_ms 0-" + MAX_INTERVAL_MILLIS)
				.asRuntimeException());
			return;
		}
		ServerCallStreamObserver<WhoAmIReply> call = (ServerCallStreamObserver<WhoAmIReply>) response;
		try {
			for (int i = 0; i < request.getCount() && !call.isCancelled(); i++) {
				if (i > 0) {
					Thread.sleep(request.getIntervalMs());
				}
				response.onNext(reply());
			}
			response.onCompleted();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			response.onError(Status.CANCELLED.withDescription("server shutting down").asRuntimeException());
		}
	}

	private WhoAmIReply reply() {
		return WhoAmIReply.newBuilder().setPod(this.pod.name()).setServed(this.pod.serve()).build();
	}

}
