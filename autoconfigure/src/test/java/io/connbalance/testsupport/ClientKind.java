package io.connbalance.testsupport;

import java.util.function.Function;

import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The HTTP clients connbalance binds to, sending a GET and returning the body.
 */
public enum ClientKind {

	WEB_CLIENT {
		@Override
		public Function<String, String> client(RunningApp app) {
			WebClient client = app.webClient();
			return (url) -> client.get().uri(url).retrieve().bodyToMono(String.class).block();
		}
	},

	REST_CLIENT {
		@Override
		public Function<String, String> client(RunningApp app) {
			RestClient client = app.restClient();
			return (url) -> client.get().uri(url).retrieve().body(String.class);
		}
	};

	/**
	 * A function that GETs a URL through this client kind, built from the app's
	 * auto-configured builder.
	 * @param app the application
	 * @return the function
	 */
	public abstract Function<String, String> client(RunningApp app);

}
