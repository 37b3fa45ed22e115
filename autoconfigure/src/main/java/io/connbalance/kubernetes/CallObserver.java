package io.connbalance.kubernetes;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import okhttp3.Interceptor;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * Sees how the calls to one API path go, and bounds how long they may stay silent. A
 * response (any status below 500), and every part of its body, means the API answers; an
 * I/O failure (a read that timed out included, during the body of a watch too) or a 5xx
 * means it does not. client-java's informer retries a watch that cannot connect on its
 * own, without telling its exception handler, and it builds its own HTTP calls from the
 * requests it is given; an interceptor on the HTTP client is the one place that sees
 * every attempt. Calls to other paths pass untouched.
 * <p>
 * The read timeout of watches stands in for the pings they do not have: an API server
 * that stops answering (a partition, a frozen node) would otherwise leave a watch waiting
 * forever while its last pods look current. Lists get at most {@link #LIST_READ_TIMEOUT}.
 */
final class CallObserver implements Interceptor {

	/** How long a list may stay silent. */
	static final Duration LIST_READ_TIMEOUT = Duration.ofSeconds(10);

	private final String path;

	private final Duration readTimeout;

	private final Runnable answered;

	private final Consumer<Throwable> failed;

	CallObserver(String path, Duration readTimeout, Runnable answered, Consumer<Throwable> failed) {
		this.path = path;
		this.readTimeout = readTimeout;
		this.answered = answered;
		this.failed = failed;
	}

	@Override
	public Response intercept(Chain chain) throws IOException {
		if (!chain.request().url().encodedPath().equals(this.path)) {
			return chain.proceed(chain.request());
		}
		// a watch may be quiet for up to its own timeout; a list answers at once
		Duration timeout = "true".equals(chain.request().url().queryParameter("watch")) ? this.readTimeout
				: (this.readTimeout.compareTo(LIST_READ_TIMEOUT) < 0) ? this.readTimeout : LIST_READ_TIMEOUT;
		Response response;
		try {
			response = chain.withReadTimeout((int) timeout.toMillis(), TimeUnit.MILLISECONDS).proceed(chain.request());
		}
		catch (IOException ex) {
			this.failed.accept(ex);
			throw ex;
		}
		if (response.code() >= 500) {
			this.failed.accept(new IOException("HTTP " + response.code()));
			return response;
		}
		this.answered.run();
		ResponseBody body = response.body();
		if (body == null) {
			return response;
		}
		BufferedSource observed = Okio.buffer(new ForwardingSource(body.source()) {

			@Override
			public long read(Buffer sink, long byteCount) throws IOException {
				try {
					long read = super.read(sink, byteCount);
					if (read > 0) {
						CallObserver.this.answered.run();
					}
					return read;
				}
				catch (IOException ex) {
					CallObserver.this.failed.accept(ex);
					throw ex;
				}
			}

		});
		return response.newBuilder()
			.body(ResponseBody.create(observed, body.contentType(), body.contentLength()))
			.build();
	}

}
