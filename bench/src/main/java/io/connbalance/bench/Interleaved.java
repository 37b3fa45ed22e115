package io.connbalance.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs a benchmark whose iterations rotate through its contenders (one contender per
 * iteration, in a fixed order), so that every contender is measured in every round, side
 * by side with the others, and a machine that slows down or speeds up during the run
 * affects all of them alike. Reports, per contender, the median score and the median of
 * its per-round ratios to the first contender.
 */
final class Interleaved {

	private Interleaved() {
	}

	/**
	 * Runs the {@code interleaved} method of a benchmark class and prints the table.
	 * @param benchmark the benchmark class; its iteration setup must rotate through
	 * {@code contenders} starting with the first
	 * @param contenders the contenders' names in rotation order; the first is the
	 * reference
	 * @param args {@code [rounds]}, 10 by default
	 * @throws RunnerException when JMH fails
	 */
	static void run(Class<?> benchmark, List<String> contenders, String[] args) throws RunnerException {
		int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 10;
		int size = contenders.size();
		Options options = new OptionsBuilder().include(benchmark.getName() + ".interleaved")
			// whole rounds of warm-up, so that measured iteration i is contender i % size
			.warmupIterations(2 * size)
			.measurementIterations(rounds * size)
			.forks(1)
			.build();
		Collection<RunResult> results = new Runner(options).run();
		List<Double> scores = new ArrayList<>();
		String unit = "";
		for (RunResult result : results) {
			for (BenchmarkResult benchmarkResult : result.getBenchmarkResults()) {
				for (IterationResult iteration : benchmarkResult.getIterationResults()) {
					scores.add(iteration.getPrimaryResult().getScore());
					unit = iteration.getPrimaryResult().getScoreUnit();
				}
			}
		}
		System.out.println();
		System.out.printf("%d rounds, one iteration per contender each, in the order listed (%s)%n", rounds, unit);
		System.out.printf("%-50s %14s %10s %18s%n", "contender", "median", "ratio", "ratio min - max");
		for (int c = 0; c < size; c++) {
			List<Double> own = new ArrayList<>();
			List<Double> ratios = new ArrayList<>();
			for (int round = 0; round < rounds; round++) {
				double score = scores.get(round * size + c);
				own.add(score);
				ratios.add(score / scores.get(round * size));
			}
			System.out.printf("%-50s %,14.0f %10.2f %8.2f - %7.2f%n", contenders.get(c), median(own), median(ratios),
					ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0),
					ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0));
		}
	}

	private static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		int middle = sorted.size() / 2;
		return (sorted.size() % 2 == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
	}

}
