package io.connbalance.http;

import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

import org.springframework.boot.ssl.SslOptions;

/**
 * An {@link SSLContext} whose client engines name the service whatever address they were
 * made for: a client that connects to a pod's IP sends the service's name in SNI and
 * verifies the pod's certificate against it, as it would through the Service.
 */
final class ServiceSslContext extends SSLContext {

	/**
	 * Wraps a context.
	 * @param delegate the context that makes the engines
	 * @param service the name engines give
	 * @param options the protocols and ciphers engines enable, or {@code null} for the
	 * context's
	 */
	ServiceSslContext(SSLContext delegate, String service, SslOptions options) {
		super(new Spi(delegate, service, options), delegate.getProvider(), delegate.getProtocol());
	}

	private static final class Spi extends SSLContextSpi {

		private final SSLContext delegate;

		private final String service;

		private final SslOptions options;

		Spi(SSLContext delegate, String service, SslOptions options) {
			this.delegate = delegate;
			this.service = service;
			this.options = options;
		}

		@Override
		protected void engineInit(KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random)
				throws KeyManagementException {
			throw new KeyManagementException("the context of service '" + this.service + "' is initialized");
		}

		@Override
		protected SSLSocketFactory engineGetSocketFactory() {
			return this.delegate.getSocketFactory();
		}

		@Override
		protected SSLServerSocketFactory engineGetServerSocketFactory() {
			return this.delegate.getServerSocketFactory();
		}

		@Override
		protected SSLEngine engineCreateSSLEngine() {
			return named(this.delegate.createSSLEngine(this.service, -1));
		}

		@Override
		protected SSLEngine engineCreateSSLEngine(String host, int port) {
			return named(this.delegate.createSSLEngine(this.service, port));
		}

		private SSLEngine named(SSLEngine engine) {
			SSLParameters parameters = engine.getSSLParameters();
			// the JDK sends SNI only for names with a dot, and service keys often
			// have none
			parameters.setServerNames(List.of(new SNIHostName(this.service)));
			parameters.setEndpointIdentificationAlgorithm("HTTPS");
			if (this.options != null && this.options.getEnabledProtocols() != null) {
				parameters.setProtocols(this.options.getEnabledProtocols());
			}
			if (this.options != null && this.options.getCiphers() != null) {
				parameters.setCipherSuites(this.options.getCiphers());
			}
			engine.setSSLParameters(parameters);
			return engine;
		}

		@Override
		protected SSLSessionContext engineGetServerSessionContext() {
			return this.delegate.getServerSessionContext();
		}

		@Override
		protected SSLSessionContext engineGetClientSessionContext() {
			return this.delegate.getClientSessionContext();
		}

	}

}
