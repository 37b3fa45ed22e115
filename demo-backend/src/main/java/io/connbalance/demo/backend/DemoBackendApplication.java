package io.connbalance.demo.backend;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A backend "pod" that says who it is and how many requests it has served, over HTTP
 * ({@code /whoami}) and gRPC ({@code connbalance.demo.WhoAmI}).
 */
@SpringBootApplication
@RestController
public class DemoBackendApplication {

	private final PodIdentity pod;

	private final PodCapacity capacity;

	DemoBackendApplication(PodIdentity pod, PodCapacity capacity) {
		this.pod = pod;
		this.capacity = capacity;
	}

	@GetMapping("/whoami")
	Map<String, Object> whoami(@RequestHeader(name = "X-Demo-Client", required = false) String client)
			throws InterruptedException {
		return this.capacity.serve(client, () -> Map.of("pod", this.pod.name(), "served", this.pod.serve()));
	}

	public static void main(String[] args) {
		SpringApplication.run(DemoBackendApplication.class, args);
	}

}
