package io.connbalance.autoconfigure;

import io.rsocket.loadbalance.LoadbalanceTarget;
import io.rsocket.transport.netty.client.TcpClientTransport;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.rsocket.ServiceRSocketTargets;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.messaging.rsocket.RSocketRequester;

/**
 * RSocket transports per pod for {@code RSocketRequester}s, when Spring's RSocket support
 * and rsocket-java's TCP transport are present.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ RSocketRequester.class, LoadbalanceTarget.class, TcpClientTransport.class })
@ConditionalOnBean(ServiceBalancers.class)
public final class ConnbalanceRSocketAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ServiceRSocketTargets connbalanceRSocketTargets(ServiceBalancers balancers, ConnbalanceSettings settings,
			ObjectProvider<HttpClientSettings> httpSettings, ObjectProvider<SslBundles> sslBundles) {
		return new ServiceRSocketTargets(balancers,
				ClientOptionsFactory.createForTcp(settings, httpSettings, sslBundles));
	}

}
