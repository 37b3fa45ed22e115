package io.connbalance.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.security.NoSuchAlgorithmException;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;

import io.connbalance.pod.Pod;

/**
 * The JDK's {@link HttpClient} for one pod, for RestClient when neither Apache HttpClient
 * 5 nor Reactor Netty is on the class path. The JDK client cannot be told to resolve the
 * service name to the pod, so requests go to the pod's address: its {@code Host} header
 * is the pod's address (the JDK does not let a request set it), while TLS still sends the
 * service's name (SNI) and verifies the pod's certificate against it. It reports no count
 * of its connections, and holds a leaving pod's idle connections until they time out.
 */
public final class JdkPodClient implements PodClient {

	private final ClientHttpRequestFactory requestFactory;

	/**
	 * Creates the client; no connection opens before the first request.
	 * @param service the service key, the name TLS checks
	 * @param options the client settings
	 */
	public JdkPodClient(String service, ClientOptions options) {
		HttpClient.Builder builder = HttpClient.newBuilder()
			.version(options.http2() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
		if (options.connectTimeout() != null) {
			builder.connectTimeout(options.connectTimeout());
		}
		SSLContext ssl = sslContext(options);
		builder.sslContext(ssl);
		SSLParameters parameters = ssl.getDefaultSSLParameters();
		// requests name the pod's address: TLS names the service
		parameters.setServerNames(List.of(new SNIHostName(service)));
		if (options.sslBundle() != null && options.sslBundle().getOptions().getEnabledProtocols() != null) {
			parameters.setProtocols(options.sslBundle().getOptions().getEnabledProtocols());
		}
		builder.sslParameters(parameters);
		JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(builder.build());
		if (options.readTimeout() != null) {
			factory.setReadTimeout(options.readTimeout());
		}
		this.requestFactory = factory;
	}

	private static SSLContext sslContext(ClientOptions options) {
		if (options.sslBundle() != null) {
			return options.sslBundle().createSslContext();
		}
		try {
			return SSLContext.getDefault();
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("No default TLS context", ex);
		}
	}

	@Override
	public ClientHttpRequestFactory requestFactory() {
		return this.requestFactory;
	}

	@Override
	public URI target(URI uri, Pod pod) {
		return PodUris.rewrite(uri, pod);
	}

	@Override
	public int openConnections() {
		return 0;
	}

	@Override
	public void close() {
		// the JDK's client of Java 17 cannot be closed: its idle connections time out
	}

}
