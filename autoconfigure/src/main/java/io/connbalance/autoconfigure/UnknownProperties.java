package io.connbalance.autoconfigure;

import java.beans.PropertyDescriptor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Finds {@code connbalance.*} properties that name no setting, such as a typo or a
 * property of a newer version, which binding would ignore silently. The known names are
 * read from {@link ConnbalanceProperties} itself. Environment variables are not checked:
 * Kubernetes sets some for every Service of the namespace,
 * {@code CONNBALANCE_SERVICE_HOST} for a Service named {@code connbalance}.
 */
final class UnknownProperties {

	private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("connbalance");

	private static final Node PROPERTIES = Node.of(ConnbalanceProperties.class);

	private UnknownProperties() {
	}

	/**
	 * Fails on the first unknown property.
	 * @param environment the environment
	 * @throws InvalidConfigurationException naming the property and the known ones
	 */
	static void check(Environment environment) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source instanceof IterableConfigurationPropertySource iterable && !isSystemEnvironment(source)) {
				iterable.filter(ROOT::isAncestorOf).stream().sorted().forEach(UnknownProperties::check);
			}
		}
	}

	private static void check(ConfigurationPropertyName name) {
		Node node = PROPERTIES;
		StringBuilder path = new StringBuilder("connbalance");
		for (int i = 1; i < name.getNumberOfElements(); i++) {
			String element = name.getElement(i, Form.DASHED);
			if (node.map) {
				path.append(".<key>");
				node = node.values;
				continue;
			}
			Node child = node.children.get(name.getElement(i, Form.UNIFORM));
			if (child == null && node.children.isEmpty()) {
				throw new InvalidConfigurationException(name.toString(),
						"'" + path + "' is a value, with no keys below it", "Remove it.");
			}
			if (child == null) {
				throw new InvalidConfigurationException(name.toString(),
						"there is no connbalance property '" + element + "' under '" + path + "'",
						"Known keys under " + path + ": " + String.join(", ", new TreeSet<>(node.names.values()))
								+ ". Correct or remove it.");
			}
			path.append('.').append(element);
			node = child;
		}
	}

	private static boolean isSystemEnvironment(ConfigurationPropertySource source) {
		return source.getUnderlyingSource() instanceof PropertySource<?> propertySource
				&& StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(propertySource.getName());
	}

	/**
	 * A level of the properties: its named children, or any key of a map.
	 */
	private static final class Node {

		private static final Node LEAF = new Node(Map.of(), Map.of(), null);

		/** By name in uniform form (lower case, no dashes). */
		private final Map<String, Node> children;

		/** Each child's name in dashed form, as the documentation writes it. */
		private final Map<String, String> names;

		private final boolean map;

		private final Node values;

		private Node(Map<String, Node> children, Map<String, String> names, Node values) {
			this.children = children;
			this.names = names;
			this.map = values != null;
			this.values = values;
		}

		static Node of(Class<?> type) {
			Map<String, Node> children = new LinkedHashMap<>();
			Map<String, String> names = new LinkedHashMap<>();
			for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(type)) {
				if (property.getReadMethod() == null || "class".equals(property.getName())) {
					continue;
				}
				String dashed = DataObjectPropertyName.toDashedForm(property.getName());
				String uniform = ConfigurationPropertyName.of(dashed).getElement(0, Form.UNIFORM);
				children.put(uniform, child(ResolvableType.forMethodReturnType(property.getReadMethod())));
				names.put(uniform, dashed);
			}
			return new Node(Map.copyOf(children), Map.copyOf(names), null);
		}

		private static Node child(ResolvableType type) {
			Class<?> resolved = type.resolve(Object.class);
			if (Map.class.isAssignableFrom(resolved)) {
				return new Node(Map.of(), Map.of(), child(type.asMap().getGeneric(1)));
			}
			return (resolved.getEnclosingClass() == ConnbalanceProperties.class) ? of(resolved) : LEAF;
		}

	}

}
