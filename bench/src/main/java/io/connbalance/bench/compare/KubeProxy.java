package io.connbalance.bench.compare;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.connbalance.testsupport.RandomL4Forwarder;

/**
 * A ClusterIP Service's virtual address, as kube-proxy makes it: iptables rules in
 * kube-proxy's layout ({@code KUBE-SERVICES} to {@code KUBE-SVC-*}, whose
 * {@code statistic --mode random} rules jump to {@code KUBE-SEP-*} DNAT rules) when the
 * harness runs as root in its own network namespace, else a user-space forwarder that
 * picks a backend at random once per connection.
 */
final class KubeProxy implements AutoCloseable {

	/** The Service's virtual IP and port. */
	static final String VIP = "127.10.0.1";

	static final int VIP_PORT = 80;

	private final boolean iptables;

	private RandomL4Forwarder forwarder;

	private int sepChains;

	private KubeProxy(boolean iptables) {
		this.iptables = iptables;
	}

	/**
	 * Uses iptables when asked to and it works, else the forwarder.
	 * @param iptables whether the harness runs as root in its own network namespace
	 * @return the proxy, with no backends yet
	 */
	static KubeProxy start(boolean iptables) {
		if (iptables) {
			try {
				iptables("-t", "nat", "-N", "KUBE-SERVICES");
				iptables("-t", "nat", "-A", "OUTPUT", "-j", "KUBE-SERVICES");
				iptables("-t", "nat", "-N", "KUBE-SVC-BACKEND");
				iptables("-t", "nat", "-A", "KUBE-SERVICES", "-d", VIP + "/32", "-p", "tcp", "--dport",
						String.valueOf(VIP_PORT), "-j", "KUBE-SVC-BACKEND");
				return new KubeProxy(true);
			}
			catch (IOException ex) {
				System.out.println("iptables failed (" + ex.getMessage() + "): using the user-space forwarder");
			}
		}
		return new KubeProxy(false);
	}

	boolean isIptables() {
		return this.iptables;
	}

	String describe() {
		return this.iptables
				? "iptables in kube-proxy's layout (statistic --mode random + DNAT) on " + VIP + ":" + VIP_PORT
						+ ", in the harness's own network namespace"
				: "a user-space L4 forwarder that picks a backend at random once per connection (not root, or no "
						+ "iptables: run bench/compare.sh as root for the real rules)";
	}

	/**
	 * Points the Service at backends, as kube-proxy does when endpoints change: new
	 * connections spread over them, open connections stay where they are.
	 * @param backends the pods
	 * @return the URL base to call the Service with
	 * @throws IOException when the rules or the forwarder cannot be set up
	 */
	String route(List<InetSocketAddress> backends) throws IOException {
		if (!this.iptables) {
			if (this.forwarder == null) {
				this.forwarder = new RandomL4Forwarder(backends, System.nanoTime());
			}
			else {
				this.forwarder.backends(backends);
			}
			return "http://127.0.0.1:" + this.forwarder.port();
		}
		iptables("-t", "nat", "-F", "KUBE-SVC-BACKEND");
		for (int i = 0; i < backends.size(); i++) {
			String chain = "KUBE-SEP-" + (i + 1);
			if (i >= this.sepChains) {
				iptables("-t", "nat", "-N", chain);
				this.sepChains++;
			}
			iptables("-t", "nat", "-F", chain);
			InetSocketAddress backend = backends.get(i);
			iptables("-t", "nat", "-A", chain, "-p", "tcp", "-j", "DNAT", "--to-destination",
					backend.getHostString() + ":" + backend.getPort());
			List<String> rule = new ArrayList<>(List.of("-t", "nat", "-A", "KUBE-SVC-BACKEND"));
			int remaining = backends.size() - i;
			if (remaining > 1) {
				rule.addAll(List.of("-m", "statistic", "--mode", "random", "--probability",
						String.format("%.5f", 1.0 / remaining)));
			}
			rule.addAll(List.of("-j", chain));
			iptables(rule.toArray(String[]::new));
		}
		return "http://" + VIP + ":" + VIP_PORT;
	}

	static void iptables(String... arguments) throws IOException {
		List<String> command = new ArrayList<>();
		command.add("iptables");
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		try {
			String output = new String(process.getInputStream().readAllBytes());
			if (process.waitFor() != 0) {
				throw new IOException(String.join(" ", command) + ": " + output.trim());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted", ex);
		}
	}

	@Override
	public void close() throws IOException {
		if (this.forwarder != null) {
			this.forwarder.close();
		}
	}

}
