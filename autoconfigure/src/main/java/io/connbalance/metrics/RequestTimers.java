package io.connbalance.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import io.connbalance.stats.Client;
import io.connbalance.stats.PodMeters;

/**
 * The {@code connbalance.requests} timers of one pod, one per client kind and outcome,
 * each registered when it first records. After the first request of a kind, recording
 * costs an array read and the timer's own lock-free update.
 */
final class RequestTimers implements PodMeters {

	static final String NAME = "connbalance.requests";

	private static final Client[] CLIENTS = Client.values();

	private final MeterRegistry registry;

	private final Tags tags;

	/** By {@code client.ordinal() * 2 + (failure ? 1 : 0)}. */
	private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(CLIENTS.length * 2);

	private volatile boolean removed;

	RequestTimers(MeterRegistry registry, Tags tags) {
		this.registry = registry;
		this.tags = tags;
	}

	@Override
	public void record(Client client, boolean failure, long nanos) {
		int slot = client.ordinal() * 2 + (failure ? 1 : 0);
		Timer timer = this.timers.get(slot);
		if (timer == null) {
			timer = register(slot);
		}
		timer.record(nanos, TimeUnit.NANOSECONDS);
	}

	private Timer register(int slot) {
		Timer timer = Timer.builder(NAME)
			.description("Requests sent to a pod, from when each was sent until its response ended or it failed")
			.tags(this.tags)
			.tag("client", CLIENTS[slot / 2].tag())
			.tag("outcome", (slot % 2 == 1) ? "FAILURE" : "SUCCESS")
			.register(this.registry);
		this.timers.set(slot, timer);
		if (this.removed) {
			// the pod left as this request ended: its series must not come back
			this.registry.remove(timer);
		}
		return timer;
	}

	/** Removes every timer registered so far, and those that register later. */
	void remove() {
		this.removed = true;
		for (int slot = 0; slot < this.timers.length(); slot++) {
			Timer timer = this.timers.get(slot);
			if (timer != null) {
				this.registry.remove(timer);
			}
		}
	}

}
