package io.connbalance.rsocket;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.rsocket.DuplexConnection;
import io.rsocket.RSocketErrorException;
import io.rsocket.frame.FrameHeaderCodec;
import io.rsocket.frame.FrameType;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.connbalance.stats.Client;
import io.connbalance.stats.PodStats;

/**
 * A connection to one pod that counts each stream this client starts on it (a request, a
 * stream, a channel, a fire-and-forget) in the pod's counters, from its request frame
 * until the pod completes it, fails it, or the client cancels it; streams still open when
 * the connection closes fail with it.
 */
final class CountingConnection implements DuplexConnection {

	private final DuplexConnection delegate;

	private final Supplier<PodStats> pod;

	/** The streams in flight, by stream id. */
	private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();

	CountingConnection(DuplexConnection delegate, Supplier<PodStats> pod) {
		this.delegate = delegate;
		this.pod = pod;
		delegate.onClose().doFinally((signal) -> closed()).subscribe(null, (failure) -> {
		});
	}

	@Override
	public void sendFrame(int streamId, ByteBuf frame) {
		FrameType type = FrameHeaderCodec.frameType(frame);
		switch (type) {
			case REQUEST_RESPONSE, REQUEST_STREAM, REQUEST_CHANNEL -> started(streamId, type);
			case REQUEST_FNF -> {
				PodStats stats = this.pod.get();
				if (stats != null && stats.begin()) {
					stats.end(Client.RSOCKET, stats.now(), false, false);
				}
			}
			case CANCEL -> {
				Stream stream = this.streams.remove(streamId);
				if (stream != null) {
					stream.stats().endCancelled(stream.sent(), false, false);
				}
			}
			default -> {
			}
		}
		this.delegate.sendFrame(streamId, frame);
	}

	private void started(int streamId, FrameType type) {
		PodStats stats = this.pod.get();
		if (stats != null && stats.begin()) {
			this.streams.put(streamId, new Stream(stats, stats.now(), type == FrameType.REQUEST_RESPONSE));
		}
	}

	@Override
	public Flux<ByteBuf> receive() {
		return this.delegate.receive().doOnNext(this::received);
	}

	private void received(ByteBuf frame) {
		int streamId = FrameHeaderCodec.streamId(frame);
		Stream stream = this.streams.get(streamId);
		if (stream == null) {
			return;
		}
		FrameType type = FrameHeaderCodec.frameType(frame);
		boolean ends = type == FrameType.ERROR || type == FrameType.COMPLETE || type == FrameType.NEXT_COMPLETE
				|| (type == FrameType.NEXT && stream.single());
		if (ends && this.streams.remove(streamId, stream)) {
			if (type != FrameType.ERROR) {
				stream.stats().responded(stream.sent());
			}
			boolean failed = type == FrameType.ERROR;
			stream.stats().end(Client.RSOCKET, stream.sent(), failed, false);
		}
	}

	/** The connection closed: the streams still on it fail with it. */
	private void closed() {
		this.streams.forEach((streamId, stream) -> {
			if (this.streams.remove(streamId, stream)) {
				stream.stats().endWithoutResponse(Client.RSOCKET, stream.sent(), true, true);
			}
		});
	}

	@Override
	public void sendErrorAndClose(RSocketErrorException error) {
		this.delegate.sendErrorAndClose(error);
	}

	@Override
	public ByteBufAllocator alloc() {
		return this.delegate.alloc();
	}

	@Override
	public SocketAddress remoteAddress() {
		return this.delegate.remoteAddress();
	}

	@Override
	public double availability() {
		return this.delegate.availability();
	}

	@Override
	public Mono<Void> onClose() {
		return this.delegate.onClose();
	}

	@Override
	public void dispose() {
		this.delegate.dispose();
	}

	@Override
	public boolean isDisposed() {
		return this.delegate.isDisposed();
	}

	private record Stream(PodStats stats, long sent, boolean single) {
	}

}
