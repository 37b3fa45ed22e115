package io.connbalance.kubernetes;

import java.io.IOException;
import java.util.function.Consumer;

import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Sees how the calls to one API path go: a response (any status below 500) means the API
 * answers, an I/O failure or a 5xx means it does not. client-java's informer retries a
 * watch that cannot connect on its own, without telling its exception handler, and it
 * builds its own HTTP calls from the requests it is given; an interceptor on the HTTP
 * client is the one place that sees every attempt. Calls to other paths pass untouched.
 */
final class CallObserver implements Interceptor {

	private final String path;

	private final Runnable answered;

	private final Consumer<Throwable> failed;

	CallObserver(String path, Runnable answered, Consumer<Throwable> failed) {
		this.path = path;
		this.answered = answered;
		this.failed = failed;
	}

	@Override
	public Response intercept(Chain chain) throws IOException {
		if (!chain.request().url().encodedPath().equals(this.path)) {
			return chain.proceed(chain.request());
		}
		Response response;
		try {
			response = chain.proceed(chain.request());
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

}
