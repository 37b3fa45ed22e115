package io.connbalance.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority for tests, made with the openssl command.
 */
public record TestCa(Path directory) {

	/**
	 * Creates a CA in a directory.
	 * @param directory where its files go
	 * @return the CA
	 * @throws IOException if openssl fails
	 * @throws InterruptedException if interrupted
	 */
	public static TestCa create(Path directory) throws IOException, InterruptedException {
		openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
				"/CN=connbalance test CA", "-keyout", "ca.key", "-out", "ca.pem");
		return new TestCa(directory);
	}

	/**
	 * The CA's own certificate, for a trust store.
	 * @return the PEM file
	 */
	public Path certificate() {
		return this.directory.resolve("ca.pem");
	}

	/**
	 * A certificate for a DNS name and an address ({@code null} for none), signed by the
	 * CA; the key is {@code <file>.key}.
	 * @param file the file name, without extension
	 * @param dnsName the DNS name
	 * @param address an IP address, or {@code null}
	 * @return the certificate
	 * @throws IOException if openssl fails
	 * @throws InterruptedException if interrupted
	 */
	public Path issue(String file, String dnsName, String address) throws IOException, InterruptedException {
		openssl(this.directory, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + dnsName, "-keyout",
				file + ".key", "-out", file + ".csr");
		Files.writeString(this.directory.resolve(file + ".ext"),
				"subjectAltName=DNS:" + dnsName + ((address != null) ? ",IP:" + address : "") + "\n");
		openssl(this.directory, "x509", "-req", "-in", file + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
				"-CAcreateserial", "-days", "2", "-extfile", file + ".ext", "-out", file + ".pem");
		return this.directory.resolve(file + ".pem");
	}

	private static void openssl(Path directory, String... arguments) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of("openssl"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IOException("openssl " + String.join(" ", arguments) + " failed: " + output);
		}
	}

}
