package io.connbalance.demo.backend;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A backend "pod" that says who it is and how many requests it has served.
 */
@SpringBootApplication
@RestController
public class DemoBackendApplication {

	private final String podName;

	private final AtomicLong served = new AtomicLong();

	DemoBackendApplication(@Value("${POD_NAME:}") String podName) throws UnknownHostException {
		this.podName = podName.isBlank() ? InetAddress.getLocalHost().getHostName() : podName;
	}

	@GetMapping("/whoami")
	Map<String, Object> whoami() {
		return Map.of("pod", this.podName, "served", this.served.incrementAndGet());
	}

	public static void main(String[] args) {
		SpringApplication.run(DemoBackendApplication.class, args);
	}

}
