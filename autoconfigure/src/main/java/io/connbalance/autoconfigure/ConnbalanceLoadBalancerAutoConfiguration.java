package io.connbalance.autoconfigure;

import io.connbalance.balance.ServiceBalancers;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;

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

}
