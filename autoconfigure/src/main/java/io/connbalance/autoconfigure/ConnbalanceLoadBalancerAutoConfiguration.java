package io.connbalance.autoconfigure;

import io.connbalance.balance.ServiceBalancers;
import io.connbalance.loadbalancer.CancellationFilter;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Makes Spring Cloud LoadBalancer ({@code @LoadBalanced} clients) choose among
 * connbalance's current pods with the service's strategy, instead of its own cached
 * instance list. Services that connbalance does not manage keep LoadBalancer's
 * round-robin.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class)
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ ReactorLoadBalancer.class, LoadBalancerClientFactory.class })
@ConditionalOnBean(ServiceBalancers.class)
@LoadBalancerClients(defaultConfiguration = ServiceLoadBalancerConfiguration.class)
public final class ConnbalanceLoadBalancerAutoConfiguration {

	/**
	 * {@code @LoadBalanced} WebClient builders get connbalance's cancellation filter
	 * ahead of LoadBalancer's own, so that a cancelled request ends its count on its pod.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebClient.class)
	static class WebClientCancellationConfiguration {

		@Bean
		static CancellationFilterPostProcessor connbalanceCancellationFilterPostProcessor() {
			return new CancellationFilterPostProcessor();
		}

	}

	/**
	 * Ordered, so that it runs before LoadBalancer's unordered post-processor adds its
	 * filter: the cancellation filter is then the outer one.
	 */
	static final class CancellationFilterPostProcessor implements BeanPostProcessor, Ordered, ApplicationContextAware {

		private final CancellationFilter filter = new CancellationFilter();

		private ApplicationContext context;

		@Override
		public void setApplicationContext(ApplicationContext context) {
			this.context = context;
		}

		@Override
		public Object postProcessBeforeInitialization(Object bean, String beanName) {
			if (bean instanceof WebClient.Builder builder && this.context.containsBeanDefinition(beanName)
					&& this.context.findAnnotationOnBean(beanName, LoadBalanced.class) != null) {
				builder.filters((filters) -> {
					if (!filters.contains(this.filter)) {
						filters.add(this.filter);
					}
				});
			}
			return bean;
		}

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

	}

}
