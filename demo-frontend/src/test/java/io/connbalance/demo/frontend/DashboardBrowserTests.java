package io.connbalance.demo.frontend;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.TreeMap;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo as {@code demo.sh} runs it (three demo-backend processes on 127.0.0.2-4, three
 * PostgreSQL replicas, the frontend with its local profile), looked at in headless
 * Chromium: the connbalance side spreads every client kind evenly, and three pods added
 * with the button double what its clients get through (each pod serves each client 10
 * requests a second) while the naive client, whose connections stay on the first pods,
 * gets what it got before. Saves the screenshot that the README shows,
 * {@code docs/dashboard.png}.
 */
class DashboardBrowserTests {

	private static final Path BACKEND_JAR = Path.of("..", "demo-backend", "target",
			"connbalance-demo-backend-0.1.0-SNAPSHOT.jar");

	private static final List<String> BALANCED = List.of("webClient", "restClient", "grpc", "jdbc");

	/** The clients of the backend pods, whose capacity grows with them. */
	private static final List<String> SCALING = List.of("webClient", "restClient", "grpc", "naive");

	private static final List<Process> backends = new ArrayList<>();

	private static final List<EmbeddedPostgres> replicas = new ArrayList<>();

	private static ConfigurableApplicationContext frontend;

	private static WebDriver browser;

	@BeforeAll
	static void start() throws Exception {
		installChromium();
		assertThat(BACKEND_JAR).as("the demo-backend jar (built before this module)").isRegularFile();
		for (int n = 1; n <= 3; n++) {
			String host = "127.0.0." + (n + 1);
			ProcessBuilder builder = new ProcessBuilder(java(), "-jar", BACKEND_JAR.toString(),
					"--server.address=" + host, "--spring.grpc.server.address=" + host)
				.redirectErrorStream(true)
				.redirectOutput(new File("target/backend-" + n + ".log"));
			builder.environment().put("POD_NAME", "backend-" + n);
			backends.add(builder.start());
		}
		for (int n = 1; n <= 3; n++) {
			replicas.add(EmbeddedPostgres.builder()
				.setPort(5432 + n)
				.setServerConfig("listen_addresses", "127.0.0.1,127.0.0." + (n + 1))
				.setServerConfig("cluster_name", "pg-" + n)
				.start());
		}
		for (int n = 1; n <= 3; n++) {
			awaitPort("127.0.0." + (n + 1), 8081);
			awaitPort("127.0.0." + (n + 1), 9091);
		}
		frontend = SpringApplication.run(DemoFrontendApplication.class, "--server.port=0", "--server.address=127.0.0.1",
				"--demo.local.backend-jar=" + BACKEND_JAR.toAbsolutePath().normalize());
		ChromeOptions options = new ChromeOptions().setBinary(which("chromium"))
			.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(which("chromedriver")))
			.build();
		browser = new ChromeDriver(service, options);
		browser.manage().window().setSize(new Dimension(1400, 1240));
	}

	@AfterAll
	static void stop() throws IOException {
		if (browser != null) {
			browser.quit();
		}
		if (frontend != null) {
			frontend.close();
		}
		backends.forEach(Process::destroy);
		for (Process backend : backends) {
			try {
				backend.waitFor(20, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		for (EmbeddedPostgres replica : replicas) {
			replica.close();
		}
	}

	@Test
	void connbalanceSpreadsEveryClientEvenlyAndThreeAddedPodsDoubleWhatItGetsThroughButNotTheNaiveClients()
			throws IOException {
		int port = ((WebServerApplicationContext) frontend).getWebServer().getPort();
		browser.get("http://127.0.0.1:" + port + "/");
		WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(90), Duration.ofMillis(250));
		// a full window of answers: each pod serves each client 10 a second, 10 s
		wait.until((driver) -> BALANCED.stream().allMatch((kind) -> answers(kind) >= 250) && answers("naive") >= 150);
		for (String kind : BALANCED) {
			Map<String, Double> shares = shares(kind);
			assertThat(shares).as(kind).hasSize(3);
			assertThat(shares.values()).as("%s shares %s", kind, shares)
				.allSatisfy((share) -> assertThat(share).isBetween(1.0 / 3 - 0.10, 1.0 / 3 + 0.10));
		}
		// twelve WebSocket sessions on each side: connbalance's four to each pod
		wait.until((driver) -> answers("websocket") == 12 && answers("naiveWebsocket") == 12);
		assertThat(dashboard().get("websocket").values()).extracting(Bar::answers).containsOnly(4L);
		// what each client gets through: the 3 pods' capacity, 30 a second, once
		// warm (the first seconds after startup run slower); figures read in one go
		Map<String, Double> before = new TreeMap<>();
		wait.until((driver) -> {
			before.clear();
			SCALING.forEach((kind) -> before.put(kind, rate(kind)));
			return SCALING.stream().allMatch((kind) -> capacity(kind) == 30.0)
					&& List.of("webClient", "restClient", "grpc")
						.stream()
						.allMatch((kind) -> before.get(kind) >= 0.75 * 30);
		});
		System.out.println("Requests a second with 3 pods: " + before);
		// the naive client's connections were drawn at random: it reaches 2 or 3 pods
		assertThat(before.get("naive")).as("the naive client with 3 pods").isBetween(10.0, 31.0);
		for (int pod = 4; pod <= 6; pod++) {
			browser.findElement(By.id("add")).click();
			String added = "added backend-" + pod;
			// a backend process takes a while to start on a busy machine
			new WebDriverWait(browser, Duration.ofSeconds(180), Duration.ofMillis(250))
				.until((driver) -> browser.findElement(By.id("message")).getText().equals(added));
		}
		// the time series, while the newest pod joined less than a minute ago: its curve
		// starts from nothing, then rises
		wait.until((driver) -> List.of("webClient", "restClient", "grpc").stream().allMatch((kind) -> {
			long[] added = rates(kind).get("backend-6");
			return added != null && added[59] > 0;
		}));
		for (String kind : List.of("webClient", "restClient", "grpc", "jdbc", "naive")) {
			Map<String, long[]> rates = rates(kind);
			assertThat(rates).as(kind).hasSizeGreaterThanOrEqualTo(kind.equals("naive") ? 2 : 3);
			assertThat(rates.values()).as(kind).allSatisfy((series) -> assertThat(series).hasSize(60));
		}
		for (String kind : List.of("webClient", "restClient", "grpc")) {
			// one reading: the page redraws every second
			Map<String, long[]> rates = rates(kind);
			long[] added = rates.get("backend-6");
			assertThat(added[0]).as("%s: backend-6 a minute ago", kind).isZero();
			int joined = 0;
			while (added[joined] == 0) {
				joined++;
			}
			assertThat(rates.get("backend-1")[joined - 1]).as("%s: backend-1 before backend-6 joined", kind)
				.isPositive();
		}
		// the capacity doubles, and what connbalance's clients get through with
		// it, within seconds; the naive client's connections stay on the first pods
		wait.until((driver) -> SCALING.stream().allMatch((kind) -> capacity(kind) == 60.0));
		Map<String, Double> after = new TreeMap<>();
		wait.until((driver) -> {
			after.clear();
			SCALING.forEach((kind) -> after.put(kind, rate(kind)));
			return List.of("webClient", "restClient", "grpc")
				.stream()
				.allMatch((kind) -> after.get(kind) >= 1.5 * before.get(kind));
		});
		System.out.println("Requests a second with 6 pods: " + after);
		assertThat(after.get("naive")).as("the naive client with 6 pods").isLessThan(1.25 * before.get("naive"));
		for (int pod = 4; pod <= 6; pod++) {
			String name = "backend-" + pod;
			assertThat(answers("naive", name)).as("naive answers from %s", name).isZero();
			for (String kind : List.of("webClient", "restClient", "grpc")) {
				assertThat(answers(kind, name)).as("%s answers from %s", kind, name).isPositive();
			}
		}
		// WebSocket sessions: connbalance's move to the new pods (1012, and their clients
		// reconnect), those opened through the Service stay where they were drawn
		wait.until((driver) -> dashboard().get("websocket").size() == 6
				&& dashboard().get("websocket").values().stream().allMatch((bar) -> bar.answers() == 2));
		for (int pod = 4; pod <= 6; pod++) {
			assertThat(answers("naiveWebsocket", "backend-" + pod)).as("plain sessions on backend-%s", pod).isZero();
		}
		assertThat(answers("naiveWebsocket")).isEqualTo(12);
		saveScreenshot();
	}

	/** What a panel shows a client gets through, requests a second. */
	private static double rate(String kind) {
		return throughput(kind, "rate");
	}

	/**
	 * What a panel shows the pods in rotation could serve the client, requests a second.
	 */
	private static double capacity(String kind) {
		return throughput(kind, "capacity");
	}

	private static double throughput(String kind, String figure) {
		Object value = ((JavascriptExecutor) browser)
			.executeScript("const line = document.querySelector(`[data-kind='${arguments[0]}'] .throughput`);"
					+ " return line ? line.dataset[arguments[1]] : null;", kind, figure);
		return (value != null) ? Double.parseDouble((String) value) : Double.NaN;
	}

	private static long answers(String kind) {
		return dashboard().getOrDefault(kind, Map.of()).values().stream().mapToLong(Bar::answers).sum();
	}

	private static long answers(String kind, String pod) {
		Bar bar = dashboard().getOrDefault(kind, Map.of()).get(pod);
		return (bar != null) ? bar.answers() : 0;
	}

	private static Map<String, Double> shares(String kind) {
		Map<String, Double> shares = new TreeMap<>();
		dashboard().getOrDefault(kind, Map.of()).forEach((pod, bar) -> shares.put(pod, bar.share()));
		return shares;
	}

	/**
	 * The bars the page shows now, read in one go (the page redraws every second).
	 */
	@SuppressWarnings("unchecked")
	private static Map<String, Map<String, Bar>> dashboard() {
		List<Map<String, Object>> panels = (List<Map<String, Object>>) ((JavascriptExecutor) browser)
			.executeScript("return Array.from(document.querySelectorAll('[data-kind]')).map((panel) => ({"
					+ "kind: panel.dataset.kind, pods: Array.from(panel.querySelectorAll('.pod')).map((row) => ({"
					+ "pod: row.dataset.pod, share: row.dataset.share, answers: row.dataset.answers}))}))");
		Map<String, Map<String, Bar>> bars = new TreeMap<>();
		for (Map<String, Object> panel : panels) {
			Map<String, Bar> pods = new TreeMap<>();
			for (Map<String, Object> row : (List<Map<String, Object>>) panel.get("pods")) {
				pods.put((String) row.get("pod"), new Bar(Double.parseDouble((String) row.get("share")),
						Long.parseLong((String) row.get("answers"))));
			}
			bars.put((String) panel.get("kind"), pods);
		}
		return bars;
	}

	private record Bar(double share, long answers) {
	}

	/**
	 * The lines of one panel's time series: each pod's answers per second, oldest first.
	 */
	@SuppressWarnings("unchecked")
	private static Map<String, long[]> rates(String kind) {
		List<Map<String, Object>> lines = (List<Map<String, Object>>) ((JavascriptExecutor) browser).executeScript(
				"return Array.from(document.querySelectorAll(`[data-kind='${arguments[0]}'] svg.rates polyline`))"
						+ ".map((line) => ({pod: line.dataset.pod, rates: line.dataset.rates}))",
				kind);
		Map<String, long[]> rates = new TreeMap<>();
		for (Map<String, Object> line : lines) {
			rates.put((String) line.get("pod"),
					Arrays.stream(((String) line.get("rates")).split(",")).mapToLong(Long::parseLong).toArray());
		}
		return rates;
	}

	private static void saveScreenshot() throws IOException {
		File screenshot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
		Path docs = Path.of("..", "docs");
		Files.createDirectories(docs);
		Files.copy(screenshot.toPath(), docs.resolve("dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
	}

	private static void installChromium() throws IOException, InterruptedException {
		Path script = Path.of("src", "test", "resources", "install-chromium.sh");
		Process install = new ProcessBuilder("bash", script.toString()).inheritIO().start();
		assertThat(install.waitFor(10, TimeUnit.MINUTES)).isTrue();
		assertThat(install.exitValue()).as("installing chromium and chromium-driver (%s)", script).isZero();
	}

	private static String which(String command) {
		for (String directory : System.getenv("PATH").split(File.pathSeparator)) {
			File file = new File(directory, command);
			if (file.canExecute()) {
				return file.getAbsolutePath();
			}
		}
		throw new AssertionError(command + " is not on the PATH");
	}

	private static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	private static void awaitPort(String host, int port) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (System.nanoTime() - deadline < 0) {
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress(host, port), 200);
				return;
			}
			catch (IOException ex) {
				Thread.sleep(200);
			}
		}
		throw new AssertionError("Nothing listens on " + host + ":" + port + " (see target/backend-*.log)");
	}

}
