package io.connbalance.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;

import io.connbalance.actuate.PodDataSourceHealthIndicator;
import io.connbalance.balance.ServiceBalancers;
import io.connbalance.jdbc.PodDataSource;
import io.connbalance.jdbc.PodDataSources;
import io.connbalance.jdbc.PoolSettings;
import io.connbalance.pod.PodRegistry;

/**
 * One {@link PodDataSource} bean per {@code connbalance.datasources} entry. A single
 * entry is the primary {@code dataSource}, so that Spring Boot's own DataSource backs off
 * and {@code JdbcTemplate}, transactions and JPA use it.
 */
@AutoConfiguration(after = ConnbalanceAutoConfiguration.class,
		beforeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnConnbalanceEnabled
@ConditionalOnClass(HikariDataSource.class)
@ConditionalOnBean(ServiceBalancers.class)
@Import(ConnbalanceDataSourceAutoConfiguration.DataSourceRegistrar.class)
public final class ConnbalanceDataSourceAutoConfiguration {

	private static final String METER_REGISTRY = "io.micrometer.core.instrument.MeterRegistry";

	@Bean(destroyMethod = "close")
	PodDataSources connbalancePodDataSources(PodRegistry registry, ServiceBalancers balancers,
			ConnbalanceProperties properties, ConnbalanceSettings settings, ListableBeanFactory beanFactory) {
		Object meterRegistry = meterRegistry(beanFactory);
		List<PoolSettings> dataSources = new ArrayList<>();
		properties.getDatasources()
			.forEach((name,
					dataSource) -> dataSources.add(new PoolSettings(name, dataSource.getService(), dataSource.getUrl(),
							dataSource.getUsername(), dataSource.getPassword(), dataSource.getPoolSizePerPod(),
							dataSource.getConnectionTimeout(), meterRegistry)));
		return new PodDataSources(registry, balancers, dataSources);
	}

	/**
	 * One health indicator per DataSource, under {@code connbalanceDataSources}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(AbstractHealthIndicator.class)
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "connbalanceDataSourcesHealthContributor")
		CompositeHealthContributor connbalanceDataSourcesHealthContributor(PodDataSources dataSources) {
			Map<String, PodDataSourceHealthIndicator> indicators = new LinkedHashMap<>();
			dataSources.all()
				.forEach((dataSource) -> indicators.put(dataSource.settings().name(),
						new PodDataSourceHealthIndicator(dataSource)));
			return CompositeHealthContributor.fromMap(indicators);
		}

	}

	/** Hikari's pool metrics go to Micrometer when the application has a registry. */
	private static Object meterRegistry(ListableBeanFactory beanFactory) {
		ClassLoader classLoader = ConnbalanceDataSourceAutoConfiguration.class.getClassLoader();
		if (!ClassUtils.isPresent(METER_REGISTRY, classLoader)) {
			return null;
		}
		return beanFactory.getBeanProvider(ClassUtils.resolveClassName(METER_REGISTRY, classLoader)).getIfUnique();
	}

	/**
	 * Registers the DataSource beans, one per configured entry.
	 */
	static class DataSourceRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

		private Environment environment;

		private BeanFactory beanFactory;

		@Override
		public void setEnvironment(Environment environment) {
			this.environment = environment;
		}

		@Override
		public void setBeanFactory(BeanFactory beanFactory) {
			this.beanFactory = beanFactory;
		}

		@Override
		public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
			Map<String, ConnbalanceProperties.DataSource> entries = Binder.get(this.environment)
				.bind("connbalance.datasources", Bindable.mapOf(String.class, ConnbalanceProperties.DataSource.class))
				.orElse(Map.of());
			// a single entry is the primary DataSource, unless the application has its
			// own
			boolean single = entries.size() == 1 && !hasDataSource();
			for (String name : entries.keySet()) {
				RootBeanDefinition definition = new RootBeanDefinition(PodDataSource.class);
				definition.setInstanceSupplier(() -> this.beanFactory.getBean(PodDataSources.class).get(name));
				definition.setDependsOn("connbalancePodDataSources");
				definition.setPrimary(single);
				String beanName = single ? "dataSource" : name;
				registry.registerBeanDefinition(beanName, definition);
				if (!beanName.equals(name)) {
					registry.registerAlias(beanName, name);
				}
			}
		}

		private boolean hasDataSource() {
			return this.beanFactory instanceof ListableBeanFactory listable
					&& listable.getBeanNamesForType(DataSource.class, true, false).length > 0;
		}

	}

}
