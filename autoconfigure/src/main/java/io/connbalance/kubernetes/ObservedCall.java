package io.connbalance.kubernetes;

import java.io.IOException;
import java.util.function.Consumer;

import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Request;
import okhttp3.Response;
import okio.Timeout;

/**
 * A call to the Kubernetes API that reports how it went: a response (any status below
 * 500) means the API answers, an I/O failure or a 5xx means it does not. client-java's
 * informer retries a failed watch on its own without telling its exception handler, so
 * this is how the watch learns of an outage and of its end.
 */
final class ObservedCall implements Call {

	private final Call delegate;

	private final Runnable answered;

	private final Consumer<Throwable> failed;

	ObservedCall(Call delegate, Runnable answered, Consumer<Throwable> failed) {
		this.delegate = delegate;
		this.answered = answered;
		this.failed = failed;
	}

	@Override
	public Response execute() throws IOException {
		Response response;
		try {
			response = this.delegate.execute();
		}
		catch (IOException ex) {
			this.failed.accept(ex);
			throw ex;
		}
		if (response.code() >= 500) {
			this.failed.accept(new IOException("HTTP " + response.code()));
		}
		else {
			this.answered.run();
		}
		return response;
	}

	@Override
	public Request request() {
		return this.delegate.request();
	}

	@Override
	public void enqueue(Callback callback) {
		this.delegate.enqueue(callback);
	}

	@Override
	public void cancel() {
		this.delegate.cancel();
	}

	@Override
	public boolean isExecuted() {
		return this.delegate.isExecuted();
	}

	@Override
	public boolean isCanceled() {
		return this.delegate.isCanceled();
	}

	@Override
	public Timeout timeout() {
		return this.delegate.timeout();
	}

	@Override
	public Call clone() {
		return new ObservedCall(this.delegate.clone(), this.answered, this.failed);
	}

}
