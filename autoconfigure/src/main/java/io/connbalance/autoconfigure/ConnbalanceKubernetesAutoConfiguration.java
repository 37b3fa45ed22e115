package io.connbalance.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;

import io.connbalance.discovery.DiscoveredPods;
import io.connbalance.discovery.DiscoveryClientPodSource;
import io.connbalance.discovery.PodSource;
import io.connbalance.kubernetes.EndpointSlicePodSource;
import io.connbalance.kubernetes.EndpointSliceWatch;
import io.connbalance.kubernetes.SelfLocator;
import io.connbalance.pod.ClientTopology;
import io.connbalance.pod.ClientTopology.Placement;
import io.connbalance.pod.ServiceTarget;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnCloudPlatform;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.kubernetes.commons.KubernetesNamespaceProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * In a Kubernetes cluster, pods come from the watched EndpointSlices of each Service,
 * with the DiscoveryClient as fallback.
 */
@AutoConfiguration(before = ConnbalanceAutoConfiguration.class,
		afterName = "org.springframework.cloud.kubernetes.client.KubernetesClientAutoConfiguration")
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass({ DiscoveryV1Api.class, SharedInformerFactory.class, KubernetesNamespaceProvider.class })
@ConditionalOnCloudPlatform(CloudPlatform.KUBERNETES)
@ConditionalOnBooleanProperty(name = "connbalance.kubernetes.endpoint-slices", matchIfMissing = true)
public final class ConnbalanceKubernetesAutoConfiguration {

	private static final String SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

	/** How long startup waits for the first list of slices. */
	private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(10);

	@Bean
	@ConditionalOnBean(ApiClient.class)
	@ConditionalOnMissingBean(PodSource.class)
	PodSource connbalanceEndpointSlicePodSource(ApiClient client, ConnbalanceSettings settings,
			ObjectProvider<KubernetesNamespaceProvider> namespaces, ObjectProvider<DiscoveryClient> discoveryClient) {
		KubernetesNamespaceProvider provider = namespaces.getIfAvailable();
		String namespace = (provider != null) ? provider.getNamespace() : null;
		EndpointSliceWatch watch = new EndpointSliceWatch(client,
				StringUtils.hasText(namespace) ? namespace : "default",
				settings.services().stream().map(ServiceTarget::serviceId).toList(), SYNC_TIMEOUT,
				settings.watchTimeout());
		DiscoveryClient discovery = discoveryClient.getIfAvailable();
		PodSource fallback = (discovery != null) ? new DiscoveryClientPodSource(discovery)
				: (target) -> new DiscoveredPods(EndpointSlicePodSource.SOURCE, List.of());
		return new EndpointSlicePodSource(watch, fallback);
	}

	/**
	 * Learns this client's zone, node and peers from its own Service's EndpointSlices.
	 */
	@Bean(destroyMethod = "stop")
	@ConditionalOnBean(ApiClient.class)
	@ConditionalOnMissingBean
	SelfLocator connbalanceSelfLocator(ApiClient client, ConnbalanceProperties properties, ConnbalanceSettings settings,
			ObjectProvider<KubernetesNamespaceProvider> namespaces, Environment environment) {
		String podName = properties.getKubernetes().getPodName();
		if (!StringUtils.hasText(podName)) {
			podName = environment.getProperty("HOSTNAME");
		}
		return new SelfLocator(client, ownNamespace(environment, namespaces.getIfAvailable()),
				StringUtils.hasText(podName) ? podName.trim() : null,
				Placement.of(trimmed(properties.getZone()), trimmed(properties.getNodeName())),
				settings.refreshInterval());
	}

	/**
	 * Where this client runs: learned once before any balancer exists, then kept current.
	 */
	@Bean
	@ConditionalOnBean(SelfLocator.class)
	@ConditionalOnMissingBean
	ClientTopology connbalanceClientTopology(SelfLocator locator) {
		return locator.start();
	}

	/**
	 * The pod's own namespace: POD_NAMESPACE (from the downward API), else the service
	 * account's, else the one Spring Cloud Kubernetes reads services in.
	 */
	private static String ownNamespace(Environment environment, KubernetesNamespaceProvider provider) {
		String namespace = environment.getProperty("POD_NAMESPACE");
		if (!StringUtils.hasText(namespace)) {
			try {
				Path file = Path.of(SERVICE_ACCOUNT_NAMESPACE);
				namespace = Files.isReadable(file) ? Files.readString(file).trim() : null;
			}
			catch (IOException ex) {
				namespace = null;
			}
		}
		if (!StringUtils.hasText(namespace) && provider != null) {
			namespace = provider.getNamespace();
		}
		return StringUtils.hasText(namespace) ? namespace : "default";
	}

	private static String trimmed(String value) {
		return StringUtils.hasText(value) ? value.trim() : null;
	}

}
