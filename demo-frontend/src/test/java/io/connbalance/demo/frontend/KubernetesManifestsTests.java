package io.connbalance.demo.frontend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import io.connbalance.autoconfigure.ConnbalanceProperties;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1PodSecurityContext;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.util.Yaml;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests in {@code k8s/}, loaded with client-java's YAML support: they parse,
 * their selectors and named ports fit the workloads and the demos' configuration, the
 * Role grants exactly what discovery needs, and every container is locked down and sized.
 */
class KubernetesManifestsTests {

	private static final Path K8S = Path.of("..", "k8s");

	private static final List<Object> objects = new ArrayList<>();

	@BeforeAll
	static void load() throws IOException {
		Map<String, Object> kustomization = new org.yaml.snakeyaml.Yaml()
			.load(Files.readString(K8S.resolve("kustomization.yaml")));
		@SuppressWarnings("unchecked")
		List<String> resources = (List<String>) kustomization.get("resources");
		try (Stream<Path> files = Files.list(K8S)) {
			assertThat(files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.endsWith(".yaml") && !name.equals("kustomization.yaml")))
				.as("every manifest is in kustomization.yaml")
				.containsExactlyInAnyOrderElementsOf(resources);
		}
		for (String resource : resources) {
			objects.addAll(Yaml.loadAll(K8S.resolve(resource).toFile()));
		}
	}

	@Test
	void everyManifestParsesIntoKubernetesObjects() {
		assertThat(objects).extracting((object) -> object.getClass().getSimpleName())
			.containsExactlyInAnyOrder("V1Namespace", "V1ServiceAccount", "V1Role", "V1RoleBinding", "V1Deployment",
					"V1Service", "V1Service", "V1Secret", "V1StatefulSet", "V1Service", "V1Deployment", "V1Service");
	}

	@Test
	void selectorsMatchThePodLabelsOfTheirWorkload() {
		for (Workload workload : workloads()) {
			assertThat(workload.template().getMetadata().getLabels()).as(workload.name())
				.containsAllEntriesOf(workload.selector().getMatchLabels());
		}
		for (V1Service service : all(V1Service.class)) {
			Workload workload = workloadOf(service);
			for (V1ServicePort port : service.getSpec().getPorts()) {
				assertThat(containerPortNames(workload)).as("target port of %s", service.getMetadata().getName())
					.contains(port.getTargetPort().getStrValue());
			}
		}
	}

	@Test
	void theServicesHaveTheNamedPortsTheFrontendAndTheBackendUse() throws IOException {
		ConnbalanceProperties frontend = bind("application.yml", ConnbalanceProperties.class, "connbalance");
		assertThat(frontend.getServices()).isNotEmpty();
		frontend.getServices().forEach((key, target) -> {
			String serviceId = Objects.requireNonNullElse(target.getServiceId(), key);
			V1Service service = service(serviceId);
			assertThat(service.getSpec().getPorts()).extracting(V1ServicePort::getName)
				.as("ports of Service %s, used by connbalance.services.%s", serviceId, key)
				.contains(target.getPortName());
		});
		Map<String, Object> backend = yaml(
				Path.of("..", "demo-backend", "src", "main", "resources", "application.yml"));
		Workload pods = workload("backend");
		assertThat(containerPort(pods, "http")).isEqualTo(path(backend, "server", "port"));
		assertThat(containerPort(pods, "grpc")).isEqualTo(path(backend, "spring", "grpc", "server", "port"));
	}

	@Test
	void theRoleGrantsExactlyWhatDiscoveryNeedsToTheFrontendAlone() {
		V1Role role = all(V1Role.class).get(0);
		Set<String> grants = new HashSet<>();
		for (V1PolicyRule rule : role.getRules()) {
			assertThat(rule.getResourceNames()).isNullOrEmpty();
			for (String group : rule.getApiGroups()) {
				for (String resource : rule.getResources()) {
					for (String verb : rule.getVerbs()) {
						grants.add(group + "/" + resource + ":" + verb);
					}
				}
			}
		}
		assertThat(grants).containsExactlyInAnyOrder("/services:get", "/services:list", "/services:watch",
				"/endpoints:get", "/endpoints:list", "/endpoints:watch", "discovery.k8s.io/endpointslices:get",
				"discovery.k8s.io/endpointslices:list", "discovery.k8s.io/endpointslices:watch");
		V1RoleBinding binding = all(V1RoleBinding.class).get(0);
		assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
		assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
		assertThat(binding.getSubjects()).singleElement()
			.satisfies((subject) -> assertThat(subject.getName())
				.isEqualTo(workload("frontend").template().getSpec().getServiceAccountName()));
		for (String name : List.of("backend", "pg")) {
			assertThat(workload(name).template().getSpec().getAutomountServiceAccountToken()).as(name).isFalse();
		}
	}

	@Test
	void everyContainerRunsLockedDownWithRequestsAndLimits() {
		for (Workload workload : workloads()) {
			V1PodSecurityContext pod = workload.template().getSpec().getSecurityContext();
			for (V1Container container : workload.template().getSpec().getContainers()) {
				V1SecurityContext security = container.getSecurityContext();
				String name = workload.name() + "/" + container.getName();
				assertThat(
						Boolean.TRUE.equals(security.getRunAsNonRoot()) || Boolean.TRUE.equals(pod.getRunAsNonRoot()))
					.as("%s runs as non-root", name)
					.isTrue();
				assertThat(security.getReadOnlyRootFilesystem()).as(name).isTrue();
				assertThat(security.getAllowPrivilegeEscalation()).as(name).isFalse();
				assertThat(security.getCapabilities().getDrop()).as(name).containsExactly("ALL");
				assertThat(container.getResources().getRequests()).as(name).containsKeys("cpu", "memory");
				assertThat(container.getResources().getLimits()).as(name).containsKeys("cpu", "memory");
				assertThat(container.getReadinessProbe()).as(name).isNotNull();
			}
		}
	}

	@Test
	void theBackendKeepsServingUntilItsEndpointIsGoneThenShutsDownGracefully() throws IOException {
		Workload backend = workload("backend");
		V1Container container = backend.template().getSpec().getContainers().get(0);
		int preStop = container.getLifecycle().getPreStop().getSleep().getSeconds().intValue();
		assertThat(preStop).isBetween(5, 30);
		Map<String, Object> config = yaml(Path.of("..", "demo-backend", "src", "main", "resources", "application.yml"));
		assertThat(path(config, "server", "shutdown")).isEqualTo("graceful");
		// Spring Boot's graceful shutdown waits at most 30 s by default
		assertThat(backend.template().getSpec().getTerminationGracePeriodSeconds())
			.isGreaterThanOrEqualTo(preStop + 30);
		assertThat(all(V1Deployment.class).stream().filter((d) -> d.getMetadata().getName().equals("backend")))
			.singleElement()
			.satisfies((deployment) -> assertThat(deployment.getSpec().getReplicas()).isEqualTo(3));
		assertThat(all(V1StatefulSet.class)).singleElement()
			.satisfies((replicas) -> assertThat(replicas.getSpec().getReplicas()).isEqualTo(3));
	}

	private static <T> T bind(String resource, Class<T> type, String prefix) throws IOException {
		List<PropertySource<?>> sources = new YamlPropertySourceLoader().load(resource,
				new ClassPathResource(resource));
		StandardEnvironment environment = new StandardEnvironment();
		sources.forEach(environment.getPropertySources()::addLast);
		return new Binder(ConfigurationPropertySources.get(environment)).bind(prefix, type).get();
	}

	private static Map<String, Object> yaml(Path file) throws IOException {
		return new org.yaml.snakeyaml.Yaml().load(Files.readString(file));
	}

	@SuppressWarnings("unchecked")
	private static Object path(Map<String, Object> yaml, String... keys) {
		Object value = yaml;
		for (String key : keys) {
			value = ((Map<String, Object>) value).get(key);
		}
		return value;
	}

	private static <T> List<T> all(Class<T> type) {
		return objects.stream().filter(type::isInstance).map(type::cast).toList();
	}

	private static V1Service service(String name) {
		return all(V1Service.class).stream()
			.filter((service) -> service.getMetadata().getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No Service named " + name));
	}

	private static List<Workload> workloads() {
		List<Workload> workloads = new ArrayList<>();
		all(V1Deployment.class).forEach((deployment) -> workloads.add(new Workload(deployment.getMetadata().getName(),
				deployment.getSpec().getSelector(), deployment.getSpec().getTemplate())));
		all(V1StatefulSet.class).forEach((set) -> workloads
			.add(new Workload(set.getMetadata().getName(), set.getSpec().getSelector(), set.getSpec().getTemplate())));
		return workloads;
	}

	private static Workload workload(String name) {
		return workloads().stream()
			.filter((workload) -> workload.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No workload named " + name));
	}

	private static Workload workloadOf(V1Service service) {
		List<Workload> selected = workloads().stream()
			.filter((workload) -> workload.template()
				.getMetadata()
				.getLabels()
				.entrySet()
				.containsAll(service.getSpec().getSelector().entrySet()))
			.toList();
		assertThat(selected).as("workloads selected by Service %s", service.getMetadata().getName()).hasSize(1);
		return selected.get(0);
	}

	private static List<String> containerPortNames(Workload workload) {
		return workload.template()
			.getSpec()
			.getContainers()
			.stream()
			.flatMap((container) -> container.getPorts().stream())
			.map(V1ContainerPort::getName)
			.toList();
	}

	private static Integer containerPort(Workload workload, String name) {
		return workload.template()
			.getSpec()
			.getContainers()
			.stream()
			.flatMap((container) -> container.getPorts().stream())
			.filter((port) -> name.equals(port.getName()))
			.map(V1ContainerPort::getContainerPort)
			.findFirst()
			.orElseThrow(() -> new AssertionError("No container port named " + name + " in " + workload.name()));
	}

	private record Workload(String name, V1LabelSelector selector, V1PodTemplateSpec template) {
	}

}
