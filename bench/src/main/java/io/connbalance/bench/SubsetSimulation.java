package io.connbalance.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import io.connbalance.balance.Subsets;
import io.connbalance.bench.compare.Svg;

/**
 * Subsetting simulated with connbalance's own subset code ({@link Subsets}): many clients
 * of one large service, each with a subset of 20, under uniform load (each client spreads
 * its requests evenly over its subset, as its strategy does). Prints a Markdown table and
 * writes {@code docs/subset-requests-per-pod.svg}.
 * <p>
 * Run with
 * {@code java -cp bench/target/benchmarks.jar io.connbalance.bench.SubsetSimulation}.
 */
public final class SubsetSimulation {

	private static final int SUBSET = 20;

	private static final double REQUESTS_PER_CLIENT = 1000;

	private SubsetSimulation() {
	}

	public static void main(String[] args) throws IOException {
		System.out.println("| clients x pods | subsets | connections per client (max) | clients per pod (min-max) "
				+ "| requests per pod max/min | pods with no client | clients changed when a pod joins / leaves "
				+ "| pods changed per changed client |");
		System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
		Map<String, List<double[]>> chart = new LinkedHashMap<>();
		for (int[] size : new int[][] { { 100, 1000 }, { 1000, 5000 } }) {
			for (String kind : List.of("aperture", "rendezvous")) {
				Result result = simulate(kind, size[0], size[1]);
				System.out.println(result.row());
				if (size[0] == 100) {
					// the dashed line: the fair load, 100 clients x 1,000 requests /
					// 1,000 pods
					chart.put(kind + " (100 clients x 1,000 pods)", result.sortedLoad());
				}
			}
		}
		Path docs = Path.of(args.length > 0 ? args[0] : "docs");
		Files.createDirectories(docs);
		Files.writeString(docs.resolve("subset-requests-per-pod.svg"),
				Svg.lines("Requests per pod, subset 20, each client sending 1,000 evenly over its subset",
						"pods, from least to most loaded", "requests", chart, 100 * REQUESTS_PER_CLIENT / 1000));
	}

	private static Result simulate(String kind, int clients, int podCount) {
		List<String> pods = IntStream.range(0, podCount).mapToObj((i) -> String.format("pod-%05d", i * 2)).toList();
		long[] seeds = new SplittableRandom(42).longs(clients).toArray();
		List<List<String>> subsets = subsets(kind, pods, seeds);
		Map<String, Integer> clientsPerPod = new HashMap<>();
		Map<String, Double> load = new HashMap<>();
		pods.forEach((pod) -> {
			clientsPerPod.put(pod, 0);
			load.put(pod, 0.0);
		});
		int maxConnections = 0;
		for (List<String> subset : subsets) {
			maxConnections = Math.max(maxConnections, subset.size());
			for (String pod : subset) {
				clientsPerPod.merge(pod, 1, Integer::sum);
				load.merge(pod, REQUESTS_PER_CLIENT / subset.size(), Double::sum);
			}
		}
		// a pod joins in the middle of the sorted names, and one in the middle leaves
		List<String> joined = new ArrayList<>(pods);
		joined.add(podCount / 2, String.format("pod-%05d", podCount + 1));
		List<String> left = new ArrayList<>(pods);
		left.remove(podCount / 2);
		Change join = changes(subsets, subsets(kind, joined, seeds));
		Change leave = changes(subsets, subsets(kind, left, seeds));
		return new Result(kind, clients, podCount, maxConnections, clientsPerPod, load, join, leave);
	}

	private static List<List<String>> subsets(String kind, List<String> pods, long[] seeds) {
		List<List<String>> subsets = new ArrayList<>();
		for (int client = 0; client < seeds.length; client++) {
			subsets.add(kind.equals("aperture") ? Subsets.aperture(pods, SUBSET, client, seeds.length)
					: Subsets.rendezvous(pods, SUBSET, seeds[client], (pod) -> pod));
		}
		return subsets;
	}

	private static Change changes(List<List<String>> before, List<List<String>> after) {
		int clients = 0;
		long pods = 0;
		for (int i = 0; i < before.size(); i++) {
			Set<String> added = new HashSet<>(after.get(i));
			before.get(i).forEach(added::remove);
			if (!added.isEmpty() || after.get(i).size() != before.get(i).size()) {
				clients++;
				pods += Math.max(added.size(), 1);
			}
		}
		return new Change(clients, pods);
	}

	private record Change(int clients, long pods) {
	}

	private record Result(String kind, int clients, int pods, int maxConnections, Map<String, Integer> clientsPerPod,
			Map<String, Double> load, Change join, Change leave) {

		String row() {
			int minClients = this.clientsPerPod.values().stream().mapToInt(Integer::intValue).min().orElse(0);
			int maxClients = this.clientsPerPod.values().stream().mapToInt(Integer::intValue).max().orElse(0);
			long idle = this.clientsPerPod.values().stream().filter((count) -> count == 0).count();
			double[] loaded = this.load.values()
				.stream()
				.mapToDouble(Double::doubleValue)
				.filter((l) -> l > 0)
				.toArray();
			double ratio = Arrays.stream(loaded).max().orElse(0) / Arrays.stream(loaded).min().orElse(1);
			double perChangedJoin = (this.join.clients() > 0) ? (double) this.join.pods() / this.join.clients() : 0;
			double perChangedLeave = (this.leave.clients() > 0) ? (double) this.leave.pods() / this.leave.clients() : 0;
			return String.format(Locale.ROOT,
					"| %,d x %,d | %s | %d | %d-%d | %.2f%s | %d | %d / %d of %,d | %.1f / %.1f |", this.clients,
					this.pods, this.kind, this.maxConnections, minClients, maxClients, ratio,
					(idle > 0) ? " (of pods with a client)" : "", idle, this.join.clients(), this.leave.clients(),
					this.clients, perChangedJoin, perChangedLeave);
		}

		List<double[]> sortedLoad() {
			double[] sorted = this.load.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
			List<double[]> points = new ArrayList<>();
			for (int i = 0; i < sorted.length; i++) {
				points.add(new double[] { i, sorted[i] });
			}
			return points;
		}

	}

}
