package io.connbalance.autoconfigure;

import java.util.function.Function;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.Ordered;

/**
 * Decorates the beans of one HTTP transport type (Spring Boot's builders and connector)
 * with connbalance's, where that is safe: only beans declared as the interface type
 * itself, so that nothing that injects a concrete type breaks. Beans declared otherwise
 * are left alone, and connbalance's builder customizer wraps what they build instead.
 *
 * @param <T> the transport type
 */
final class TransportDecorator<T> implements BeanPostProcessor, BeanFactoryAware, Ordered {

	private final Class<T> type;

	private final Class<? extends T> decorated;

	private final Function<T, T> decorator;

	private ConfigurableListableBeanFactory beanFactory;

	TransportDecorator(Class<T> type, Class<? extends T> decorated, Function<T, T> decorator) {
		this.type = type;
		this.decorated = decorated;
		this.decorator = decorator;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		this.beanFactory = (beanFactory instanceof ConfigurableListableBeanFactory listable) ? listable : null;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String name) throws BeansException {
		if (this.type.isInstance(bean) && !this.decorated.isInstance(bean) && isDeclaredAsTheType(name)) {
			return this.decorator.apply(this.type.cast(bean));
		}
		return bean;
	}

	private boolean isDeclaredAsTheType(String name) {
		if (this.beanFactory == null || !this.beanFactory.containsBeanDefinition(name)) {
			return false;
		}
		BeanDefinition definition = this.beanFactory.getMergedBeanDefinition(name);
		return definition.getResolvableType().resolve() == this.type;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
