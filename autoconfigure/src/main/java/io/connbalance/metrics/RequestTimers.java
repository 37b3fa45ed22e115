package io.connbalance.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import io.connbalance.stats.Client;
import io.connbalance.stats.PodMeters;

/**
 * The {@code connbalance.requests} timers of one pod, one per client kind and outcome,
 * each registered when it first records. After that first request, recording costs an
 * array read and the timer's own lock-free update.
 */
final class RequestTimers implements PodMeters {

	static final String NAME = "connbalance.requests";

	private static final Client[] CLIENTS = Client.values();

	private final Tags tags;

	/**
	 * Registers a timer for this pod, or returns {@code null} once it has been removed.
	 */
	private final Function<Timer.Builder, Timer> register;

	/** By {@code client.ordinal() * 2 + (failure ? 1 : 0)}. */
	private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(CLIENTS.length * 2);

	RequestTimers(Tags tags, Function<Timer.Builder, Timer> register) {
		this.tags = tags;
		this.register = register;
	}

	@Override
	public void record(Client client, boolean failure, long nanos) {
		int slot = client.ordinal() * 2 + (failure ? 1 : 0);
		Timer timer = this.timers.get(slot);
		if (timer == null) {
			timer = this.register.apply(Timer.builder(NAME)
				.description("Requests sent to a pod, from when each was sent until its response ended or it failed")
				.tags(this.tags)
				.tag("client", client.tag())
				.tag("outcome", failure ? "FAILURE" : "SUCCESS"));
			if (timer == null) {
				// the pod has left: its series stay gone
				return;
			}
			this.timers.set(slot, timer);
		}
		timer.record(nanos, TimeUnit.NANOSECONDS);
	}

}
