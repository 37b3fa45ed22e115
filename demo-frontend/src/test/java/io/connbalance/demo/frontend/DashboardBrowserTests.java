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
 * Chromium: the connbalance side spreads every client kind evenly while the naive side
 * does not, and a pod added with the button gets traffic. Saves the screenshot that the
 * README shows, {@code docs/dashboard.png}.
 */
class DashboardBrowserTests {

	private static final Path BACKEND_JAR = Path.of("..", "demo-backend", "target",
			"connbalance-demo-backend-0.1.0-SNAPSHOT.jar");

	private static final List<String> BALANCED = List.of("webClient", "restClient", "grpc", "jdbc");

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
				"--demo.traffic.rate=50", "--demo.local.backend-jar=" + BACKEND_JAR.toAbsolutePath().normalize());
		ChromeOptions options = new ChromeOptions().setBinary(which("chromium"))
			.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(which("chromedriver")))
			.build();
		browser = new ChromeDriver(service, options);
		browser.manage().window().setSize(new Dimension(1400, 1060));
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
	void connbalanceSpreadsEveryClientEvenlyTheNaiveClientDoesNotAndAnAddedPodGetsTraffic() throws IOException {
		int port = ((WebServerApplicationContext) frontend).getWebServer().getPort();
		browser.get("http://127.0.0.1:" + port + "/");
		WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(90), Duration.ofMillis(250));
		// a full window of answers: 50 a second for 10 s, per kind
		wait.until((driver) -> BALANCED.stream().allMatch((kind) -> answers(kind) >= 400) && answers("naive") >= 400);
		for (String kind : BALANCED) {
			Map<String, Double> shares = shares(kind);
			assertThat(shares).as(kind).hasSize(3);
			assertThat(shares.values()).as("%s shares %s", kind, shares)
				.allSatisfy((share) -> assertThat(share).isBetween(1.0 / 3 - 0.10, 1.0 / 3 + 0.10));
		}
		// twelve WebSocket sessions on each side: connbalance's four to each pod
		wait.until((driver) -> answers("websocket") == 12 && answers("naiveWebsocket") == 12);
		assertThat(dashboard().get("websocket").values()).extracting(Bar::answers).containsOnly(4L);
		Map<String, Double> naive = shares("naive");
		assertThat(naive.values()).as("naive shares %s: not all within 1/3 +- 0.10", naive)
			.anyMatch((share) -> Math.abs(share - 1.0 / 3) > 0.10);
		browser.findElement(By.id("add")).click();
		wait.until((driver) -> answers("webClient", "backend-4") > 0 && answers("grpc", "backend-4") > 0);
		// the picture once the window holds mostly traffic from after the pod came
		wait.until((driver) -> List.of("webClient", "restClient", "grpc")
			.stream()
			.allMatch((kind) -> shares(kind).getOrDefault("backend-4", 0.0) >= 0.2));
		assertThat(browser.findElement(By.id("message")).getText()).isEqualTo("added backend-4");
		// WebSocket sessions: connbalance's move to the new pod (1012, and their clients
		// reconnect), those opened through the Service stay where they were drawn
		wait.until((driver) -> answers("websocket", "backend-4") >= 3);
		assertThat(dashboard().get("websocket").values().stream().mapToLong(Bar::answers))
			.as("connbalance's sessions per pod")
			.allSatisfy((sessions) -> assertThat(sessions).isBetween(2L, 4L));
		assertThat(answers("naiveWebsocket", "backend-4")).as("plain sessions on the new pod").isZero();
		assertThat(answers("naiveWebsocket")).isEqualTo(12);
		// the time series: the new pod's curve starts from nothing, then rises
		for (String kind : List.of("webClient", "restClient", "grpc", "jdbc", "naive")) {
			Map<String, long[]> rates = rates(kind);
			// the naive client's one connection reaches one pod (or another, if it was
			// opened again)
			assertThat(rates).as(kind).hasSizeGreaterThanOrEqualTo(kind.equals("naive") ? 1 : 3);
			assertThat(rates.values()).as(kind).allSatisfy((series) -> assertThat(series).hasSize(60));
		}
		for (String kind : List.of("webClient", "restClient", "grpc")) {
			// one reading: the page redraws every second
			Map<String, long[]> rates = rates(kind);
			long[] added = rates.get("backend-4");
			assertThat(added).as("%s rates of backend-4", kind).isNotNull();
			assertThat(added[0]).as("%s: backend-4 a minute ago", kind).isZero();
			assertThat(added[59]).as("%s: backend-4 in the last second", kind).isPositive();
			int joined = 0;
			while (added[joined] == 0) {
				joined++;
			}
			assertThat(rates.get("backend-1")[joined - 1]).as("%s: backend-1 before backend-4 joined", kind)
				.isPositive();
		}
		saveScreenshot();
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
