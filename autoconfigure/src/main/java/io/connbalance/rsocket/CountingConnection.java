package io.connbalance.rsocket;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
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

	/** The availability of a connection to a pod that takes no new requests. */
	static final double EXCLUDED = -1.0;

	private final DuplexConnection delegate;

	private final Supplier<PodStats> pod;

	private final Predicate<PodStats> usable;

	/** The streams in flight, by stream id. */
	private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();

	private volatile boolean closed;

	CountingConnection(DuplexConnection delegate, Supplier<PodStats> pod, Predicate<PodStats> usable) {
		this.delegate = delegate;
		this.pod = pod;
		this.usable = usable;
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
					// no answer comes: sent is all there is
					long sent = stats.now();
					stats.noResponse(sent, false);
					stats.end(Client.RSOCKET, sent, false, false);
				}
			}
			case CANCEL -> {
				Stream stream = this.streams.remove(streamId);
				if (stream != null) {
					stream.stats().endCancelled(stream.sent(), stream.hasAnswered(), false);
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
			Stream stream = new Stream(stats, stats.now(), type == FrameType.REQUEST_RESPONSE);
			this.streams.put(streamId, stream);
			if (this.closed && this.streams.remove(streamId, stream)) {
				// the connection closed meanwhile
				stats.endWithoutResponse(Client.RSOCKET, stream.sent(), true, false);
			}
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
		if (type == FrameType.ERROR) {
			if (this.streams.remove(streamId, stream)) {
				// an error of the request, not of the pod: the pod answered
				finish(stream, false);
			}
			return;
		}
		if (stream.firstAnswer()) {
			// the time to the first answer feeds peak-EWMA, as for HTTP
			stream.stats().responded(stream.sent());
		}
		boolean ends = type == FrameType.COMPLETE || type == FrameType.NEXT_COMPLETE
				|| (type == FrameType.NEXT && stream.single());
		if (ends && this.streams.remove(streamId, stream)) {
			stream.stats().end(Client.RSOCKET, stream.sent(), false, false);
		}
	}

	/**
	 * The connection closed: the streams still on it fail with it, the first as a failure
	 * of the pod (one close is one failure), unless the pod had left, when this client's
	 * own pool closed it.
	 */
	private void closed() {
		this.closed = true;
		boolean blamed = false;
		for (Map.Entry<Integer, Stream> entry : this.streams.entrySet()) {
			Stream stream = entry.getValue();
			if (this.streams.remove(entry.getKey(), stream)) {
				boolean podFailure = !blamed && !stream.stats().isRetired();
				blamed |= podFailure;
				finish(stream, podFailure);
			}
		}
	}

	/** Ends a stream that failed, after an answer or before one. */
	private static void finish(Stream stream, boolean podFailure) {
		if (stream.hasAnswered()) {
			stream.stats().end(Client.RSOCKET, stream.sent(), true, podFailure);
		}
		else {
			stream.stats().endWithoutResponse(Client.RSOCKET, stream.sent(), true, podFailure);
		}
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

	/**
	 * {@link #EXCLUDED} while the pod has left or is ejected, so that
	 * {@link AvailableFirst} sends it nothing new while its streams finish (rsocket-java
	 * reports 0 for a socket not connected yet, which must stay selectable).
	 */
	@Override
	public double availability() {
		PodStats stats = this.pod.get();
		return (stats != null && this.usable.test(stats)) ? this.delegate.availability() : EXCLUDED;
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

	private static final class Stream {

		private final PodStats stats;

		private final long sent;

		private final boolean single;

		private final AtomicBoolean answered = new AtomicBoolean();

		Stream(PodStats stats, long sent, boolean single) {
			this.stats = stats;
			this.sent = sent;
			this.single = single;
		}

		PodStats stats() {
			return this.stats;
		}

		long sent() {
			return this.sent;
		}

		boolean single() {
			return this.single;
		}

		boolean hasAnswered() {
			return this.answered.get();
		}

		/** Whether this is the stream's first answer (true once). */
		boolean firstAnswer() {
			return this.answered.compareAndSet(false, true);
		}

	}

}
