package io.connbalance.kubernetes;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Only the lines an informer logs when it is stopped are dropped.
 */
class InformerStopLogFilterTests {

	private final LoggerContext context = new LoggerContext();

	private final Logger controller = this.context.getLogger("io.kubernetes.client.informer.cache.Controller");

	private final Logger listener = this.context.getLogger("io.kubernetes.client.informer.cache.ProcessorListener");

	private final InformerStopLogFilter filter = new InformerStopLogFilter();

	@Test
	void theInterruptionsOfAStoppedInformerAreDropped() {
		InterruptedException interrupted = new InterruptedException();
		assertThat(this.filter.decide(null, this.controller, Level.ERROR,
				"DefaultController#processLoop get interrupted {}", new Object[] { null, interrupted }, null))
			.isEqualTo(FilterReply.DENY);
		assertThat(this.filter.decide(null, this.listener, Level.ERROR, "processor interrupted: {}", null, interrupted))
			.isEqualTo(FilterReply.DENY);
	}

	@Test
	void everyOtherLineOfTheInformersPasses() {
		InterruptedException interrupted = new InterruptedException();
		IllegalStateException crash = new IllegalStateException("handler failed");
		assertThat(this.filter.decide(null, this.controller, Level.ERROR,
				"DefaultController#processLoop recovered from crashing {} ", new Object[] { "handler failed", crash },
				null))
			.isEqualTo(FilterReply.NEUTRAL);
		assertThat(this.filter.decide(null, this.listener, Level.ERROR, "failed invoking UPDATE event handler: {}",
				null, crash))
			.isEqualTo(FilterReply.NEUTRAL);
		assertThat(this.filter.decide(null, this.listener, Level.ERROR, "processor interrupted: {}", null, crash))
			.isEqualTo(FilterReply.NEUTRAL);
		assertThat(this.filter.decide(null, this.context.getLogger("com.example.Worker"), Level.ERROR,
				"processor interrupted: {}", null, interrupted))
			.isEqualTo(FilterReply.NEUTRAL);
		assertThat(this.filter.decide(null, this.controller, Level.INFO,
				"informer#Controller: ready to run resync & reflector runnable", null, null))
			.isEqualTo(FilterReply.NEUTRAL);
	}

	@AfterEach
	void removeFromLogback() {
		LoggerContext logback = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
		logback.getTurboFilterList().removeIf(InformerStopLogFilter.class::isInstance);
	}

	@Test
	void itIsInstalledOnceInLogback() {
		assertThat(InformerStopLogFilter.install()).isTrue();
		assertThat(InformerStopLogFilter.install()).isTrue();
		LoggerContext logback = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
		assertThat(logback.getTurboFilterList()).filteredOn(InformerStopLogFilter.class::isInstance).hasSize(1);
	}

}
