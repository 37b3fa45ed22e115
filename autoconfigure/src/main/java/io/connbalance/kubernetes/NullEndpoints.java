package io.connbalance.kubernetes;

import java.io.IOException;
import java.util.regex.Pattern;

import okhttp3.Interceptor;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.Okio;
import okio.Source;
import okio.Timeout;

/**
 * Reads {@code "endpoints": null} in EndpointSlices as the empty list it means. API
 * servers up to Kubernetes 1.35 serialise a slice without endpoints (a Service scaled to
 * zero) that way, and client-java's generated model refuses it ("Expected the field
 * `endpoints` to be an array"), which would fail every list and watch of the namespace's
 * slices and leave the informer with the pods of before. Lists are fixed whole, watches
 * line by line (one event a line) as they stream. Calls to other paths pass untouched.
 */
final class NullEndpoints implements Interceptor {

	private static final Pattern NULL_ENDPOINTS = Pattern.compile("\"endpoints\"\\s*:\\s*null");

	private final String path;

	NullEndpoints(String path) {
		this.path = path;
	}

	@Override
	public Response intercept(Chain chain) throws IOException {
		Response response = chain.proceed(chain.request());
		ResponseBody body = response.body();
		if (!chain.request().url().encodedPath().equals(this.path) || body == null) {
			return response;
		}
		BufferedSource fixed = Okio.buffer(new LineFixingSource(body.source()));
		return response.newBuilder()
			.removeHeader("Content-Length")
			.body(ResponseBody.create(fixed, body.contentType(), -1))
			.build();
	}

	static String fix(String json) {
		return NULL_ENDPOINTS.matcher(json).replaceAll("\"endpoints\":[]");
	}

	/**
	 * Fixes each line as it arrives, so that a watch's events are not held back.
	 */
	private static final class LineFixingSource implements Source {

		private final BufferedSource upstream;

		private final Buffer pending = new Buffer();

		LineFixingSource(BufferedSource upstream) {
			this.upstream = upstream;
		}

		@Override
		public long read(Buffer sink, long byteCount) throws IOException {
			if (this.pending.size() == 0) {
				long newline = this.upstream.indexOf((byte) '\n');
				String line;
				if (newline >= 0) {
					line = this.upstream.readUtf8(newline + 1);
				}
				else {
					line = this.upstream.readUtf8();
					if (line.isEmpty()) {
						return -1;
					}
				}
				this.pending.writeUtf8(fix(line));
			}
			return this.pending.read(sink, Math.min(byteCount, this.pending.size()));
		}

		@Override
		public Timeout timeout() {
			return this.upstream.timeout();
		}

		@Override
		public void close() throws IOException {
			this.upstream.close();
		}

	}

}
