package io.connbalance.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Chooses the few pods a client uses out of many, so that a client does not connect to
 * every pod of a large service.
 * <ul>
 * <li>{@link #aperture deterministic aperture} (Finagle), when the client knows its peers
 * and its place among them: the pods are laid on a ring, each client takes a slice of it
 * starting where its index falls, so that the slices of all clients cover every pod the
 * same number of times (give or take one);</li>
 * <li>{@link #rendezvous rendezvous hashing} otherwise (as gRPC's random subsetting):
 * each client ranks the pods by a hash of its own random seed and the pod, and takes the
 * first ones; a pod that joins or leaves changes only the subsets it ranks into.</li>
 * </ul>
 */
public final class Subsets {

	private Subsets() {
	}

	/**
	 * A client's slice of the ring of pods.
	 * @param <T> the pod type
	 * @param pods the pods, in the order every client sees them (sorted by name)
	 * @param size the subset size
	 * @param index the client's index among its peers
	 * @param clients how many peers there are, itself included
	 * @return {@code size} consecutive pods (wrapping around), more when there are so few
	 * clients that slices of {@code size} would leave pods out, or all pods when there
	 * are no more than {@code size}
	 */
	public static <T> List<T> aperture(List<T> pods, int size, int index, int clients) {
		int count = pods.size();
		if (size <= 0 || count <= size || clients <= 0) {
			return pods;
		}
		int width = Math.max(size, (count + clients - 1) / clients);
		if (width >= count) {
			return pods;
		}
		int start = (int) ((long) index * count / clients);
		List<T> slice = new ArrayList<>(width);
		for (int i = 0; i < width; i++) {
			slice.add(pods.get((start + i) % count));
		}
		return slice;
	}

	/**
	 * The first pods in a client's own random ranking.
	 * @param <T> the pod type
	 * @param pods the pods
	 * @param size the subset size
	 * @param seed the client's seed, fixed for its life
	 * @param key what identifies a pod across refreshes (its address)
	 * @return {@code size} pods, or all pods when there are no more than {@code size}
	 */
	public static <T> List<T> rendezvous(List<T> pods, int size, long seed, Function<T, String> key) {
		if (size <= 0 || pods.size() <= size) {
			return pods;
		}
		List<T> ranked = new ArrayList<>(pods);
		ranked.sort(Comparator.comparingLong((T pod) -> rank(seed, key.apply(pod))));
		return List.copyOf(ranked.subList(0, size));
	}

	static long rank(long seed, String key) {
		long hash = seed;
		for (int i = 0; i < key.length(); i++) {
			hash = (hash ^ key.charAt(i)) * 0x100000001B3L;
		}
		// SplitMix64's finalizer spreads nearby keys (10.0.0.1, 10.0.0.2) apart
		hash = (hash ^ (hash >>> 30)) * 0xBF58476D1CE4E5B9L;
		hash = (hash ^ (hash >>> 27)) * 0x94D049BB133111EBL;
		return hash ^ (hash >>> 31);
	}

}
