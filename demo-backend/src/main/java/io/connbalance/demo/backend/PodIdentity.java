package io.connbalance.demo.backend;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Who this pod is ({@code POD_NAME}, else the host name), and how many requests and calls
 * it has served over HTTP and gRPC together.
 */
@Component
class PodIdentity {

	private final String name;

	private final AtomicLong served = new AtomicLong();

	PodIdentity(@Value("${POD_NAME:}") String name) throws UnknownHostException {
		this.name = name.isBlank() ? InetAddress.getLocalHost().getHostName() : name;
	}

	String name() {
		return this.name;
	}

	/**
	 * Counts one more request or call.
	 * @return how many this pod has served, this one included
	 */
	long serve() {
		return this.served.incrementAndGet();
	}

}
