package io.connbalance.kubernetes;

import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Drops the ERROR lines, with their stack traces, that client-java's informers log when
 * they are stopped: an informer stops its threads by interrupting them, and each logs its
 * interruption as an error. These lines come on every normal shutdown, from connbalance's
 * EndpointSlice watch and from the informers of Spring Cloud Kubernetes discovery, and
 * never say anything is wrong. Only those two messages with their
 * {@link InterruptedException} are dropped; every other line of the informers passes.
 */
public final class InformerStopLogFilter extends TurboFilter {

	/** The message each informer logger writes when its thread is interrupted. */
	private static final Map<String, String> STOP_MESSAGES = Map.of("io.kubernetes.client.informer.cache.Controller",
			"DefaultController#processLoop get interrupted {}", "io.kubernetes.client.informer.cache.ProcessorListener",
			"processor interrupted: {}");

	@Override
	public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
			Throwable throwable) {
		if (level != Level.ERROR || format == null || !format.equals(STOP_MESSAGES.get(logger.getName()))) {
			return FilterReply.NEUTRAL;
		}
		return (throwable instanceof InterruptedException || lastIsInterruption(params)) ? FilterReply.DENY
				: FilterReply.NEUTRAL;
	}

	private static boolean lastIsInterruption(Object[] params) {
		return params != null && params.length > 0 && params[params.length - 1] instanceof InterruptedException;
	}

	/**
	 * Adds the filter to Logback, when Logback is the logging backend and the filter is
	 * not there yet.
	 * @return whether the filter is in place
	 */
	public static boolean install() {
		if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
			return false;
		}
		synchronized (context) {
			if (context.getTurboFilterList().stream().noneMatch(InformerStopLogFilter.class::isInstance)) {
				InformerStopLogFilter filter = new InformerStopLogFilter();
				filter.setName("connbalance-informer-stop");
				filter.start();
				context.addTurboFilter(filter);
			}
		}
		return true;
	}

}
