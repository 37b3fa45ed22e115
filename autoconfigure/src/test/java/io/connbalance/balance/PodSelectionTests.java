package io.connbalance.balance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.connbalance.pod.ClientTopology;
import io.connbalance.pod.ClientTopology.Placement;
import io.connbalance.pod.Pod;
import io.connbalance.pod.PodState;
import io.connbalance.pod.ServicePods;
import io.connbalance.stats.PodStats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Local and remote pods, the spill rules, and the two kinds of subsets.
 */
class PodSelectionTests {

	private static final BalancingOptions PREFER_ZONE = new BalancingOptions(OutlierEjection.DEFAULTS, Duration.ZERO, 1,
			Locality.PREFER_ZONE, 0);

	/** Two pods in each of zone-a, zone-b and zone-c. */
	private static List<PodStats> sixPods() {
		List<PodStats> pods = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			pods.add(new PodStats(
					new Pod("pod-" + i, "10.0.0." + (i + 1), 8080, "zone-" + (char) ('a' + i / 2), PodState.READY),
					(stats) -> {
					}));
		}
		return pods;
	}

	@Test
	void localPodsTakeEveryRequestWhileEnoughOfThemAreUsable() {
		PodSelection selection = PodSelection.of(sixPods(), PREFER_ZONE, Placement.of("zone-a", null), 1);
		assertThat(selection.local()).extracting((pod) -> pod.pod().name()).containsExactly("pod-0", "pod-1");
		assertThat(selection.remote()).hasSize(4);
		assertThat(localShare(selection, 2)).isEqualTo(1.0);
	}

	@Test
	void withFewerUsableLocalPodsThanTheOverprovisioningFactorCoversRequestsSpillInProportion() {
		PodSelection selection = PodSelection.of(sixPods(), PREFER_ZONE, Placement.of("zone-a", null), 1);
		// one of two usable: 1.4 x 0.5 = 70% stays local
		assertThat(localShare(selection, 1)).isCloseTo(0.7, within(0.01));
		assertThat(localShare(selection, 0)).isZero();
	}

	@Test
	void aZoneWithMoreOfTheClientsThanOfThePodsSendsTheResidualElsewhere() {
		// three of four clients in zone-a, which has a third of the pods: (2/6) / (3/4)
		Placement placement = new Placement("zone-a", null, "client-1",
				List.of("client-1", "client-2", "client-3", "client-4"),
				Map.of("client-1", "zone-a", "client-2", "zone-a", "client-3", "zone-a", "client-4", "zone-b"));
		PodSelection selection = PodSelection.of(sixPods(), PREFER_ZONE, placement, 1);
		assertThat(selection.localShare()).isCloseTo(4.0 / 9, within(0.001));
		assertThat(localShare(selection, 2)).isCloseTo(4.0 / 9, within(0.01));
		// zone-b's clients are fewer than its pods: they keep everything local
		Placement inB = new Placement("zone-b", null, "client-4", placement.peers(), placement.peerZones());
		assertThat(PodSelection.of(sixPods(), PREFER_ZONE, inB, 1).localShare()).isEqualTo(1.0);
	}

	@Test
	void withoutAKnownZoneOrWithLocalityOffEveryPodIsLocal() {
		assertThat(PodSelection.of(sixPods(), PREFER_ZONE, Placement.UNKNOWN, 1).prefers()).isFalse();
		BalancingOptions off = new BalancingOptions(OutlierEjection.DEFAULTS, Duration.ZERO, 1, Locality.OFF, 0);
		assertThat(PodSelection.of(sixPods(), off, Placement.of("zone-a", null), 1).local()).hasSize(6);
		// a zone with no pod is no preference either
		assertThat(PodSelection.of(sixPods(), PREFER_ZONE, Placement.of("zone-x", null), 1).prefers()).isFalse();
	}

	@Test
	void aSubsetWithLocalityUsesNoMorePodsThanItsSizeAndLeavesTheRestOfItForSpill() {
		List<PodStats> pods = sixtyPods();
		BalancingOptions subset = new BalancingOptions(OutlierEjection.DEFAULTS, Duration.ZERO, 1, Locality.PREFER_ZONE,
				8);
		PodSelection wide = PodSelection.of(pods, subset, Placement.of("zone-a", null), 1);
		// 20 pods in zone-a: the whole subset is local, and nothing is left for spill
		assertThat(wide.all()).hasSize(8);
		assertThat(wide.local()).hasSize(8).allMatch((pod) -> pod.pod().zone().equals("zone-a"));
		assertThat(wide.prefers()).isFalse();
		BalancingOptions large = new BalancingOptions(OutlierEjection.DEFAULTS, Duration.ZERO, 1, Locality.PREFER_ZONE,
				30);
		PodSelection spill = PodSelection.of(pods, large, Placement.of("zone-a", null), 1);
		assertThat(spill.local()).hasSize(20);
		assertThat(spill.remote()).hasSize(10).noneMatch((pod) -> pod.pod().zone().equals("zone-a"));
	}

	@Test
	void theLocalApertureIsTakenAmongThePeersOfTheClientsZone() {
		List<PodStats> pods = sixtyPods();
		// 6 clients, 2 per zone, subset 10: the 2 clients of zone-a split its 20 pods
		List<String> clients = List.of("c-0", "c-1", "c-2", "c-3", "c-4", "c-5");
		Map<String, String> zones = new HashMap<>();
		for (int i = 0; i < 6; i++) {
			zones.put(clients.get(i), "zone-" + (char) ('a' + i % 3));
		}
		BalancingOptions options = new BalancingOptions(OutlierEjection.DEFAULTS, Duration.ZERO, 1,
				Locality.PREFER_ZONE, 10);
		Set<PodStats> covered = new HashSet<>();
		for (String client : List.of("c-0", "c-3")) {
			PodSelection selection = PodSelection.of(pods, options,
					new Placement("zone-a", null, client, clients, zones), 1);
			assertThat(selection.all()).hasSize(10);
			covered.addAll(selection.local());
		}
		assertThat(covered).hasSize(20).allMatch((pod) -> pod.pod().zone().equals("zone-a"));
	}

	@Test
	void aRetryStaysLocalWhileThereIsAnotherLocalPod() {
		ServiceBalancer balancer = new ServiceBalancer("backend", BalancingStrategy.create("round-robin"), PREFER_ZONE,
				new ClientTopology(Placement.of("zone-a", null)), System::nanoTime, new SplittableRandom(1));
		List<Pod> pods = sixPods().stream().map(PodStats::pod).toList();
		balancer.update(new ServicePods("backend", 1, pods));
		for (int i = 0; i < 100; i++) {
			PodStats first = balancer.acquire();
			assertThat(first.pod().zone()).isEqualTo("zone-a");
			PodStats retry = balancer.acquire(first);
			assertThat(retry.pod().zone()).isEqualTo("zone-a");
			assertThat(retry).isNotSameAs(first);
			first.endCancelled(first.now(), false, false);
			retry.endCancelled(retry.now(), false, false);
		}
		assertThat(balancer.retries()).isEqualTo(100);
	}

	@Test
	void apertureSlicesCoverEveryPodTheSameNumberOfTimes() {
		List<Integer> pods = IntStream.range(0, 1000).boxed().toList();
		Map<Integer, Integer> clientsPerPod = new HashMap<>();
		for (int client = 0; client < 100; client++) {
			List<Integer> subset = Subsets.aperture(pods, 20, client, 100);
			assertThat(subset).hasSize(20).doesNotHaveDuplicates();
			subset.forEach((pod) -> clientsPerPod.merge(pod, 1, Integer::sum));
		}
		assertThat(clientsPerPod).hasSize(1000);
		assertThat(new HashSet<>(clientsPerPod.values())).containsExactly(2);
	}

	@Test
	void apertureWidensWhenTooFewClientsWouldLeavePodsOut() {
		List<Integer> pods = IntStream.range(0, 100).boxed().toList();
		Set<Integer> covered = new HashSet<>();
		for (int client = 0; client < 3; client++) {
			List<Integer> subset = Subsets.aperture(pods, 20, client, 3);
			assertThat(subset).hasSize(34);
			covered.addAll(subset);
		}
		assertThat(covered).hasSize(100);
	}

	@Test
	void aPodThatJoinsARendezvousSubsetReplacesOneMemberAndOnlyWhereItRanksHigh() {
		List<String> pods = new ArrayList<>(IntStream.range(0, 1000).mapToObj((i) -> "pod-" + i).toList());
		SplittableRandom seeds = new SplittableRandom(7);
		int changed = 0;
		for (int client = 0; client < 1000; client++) {
			long seed = seeds.nextLong();
			List<String> before = Subsets.rendezvous(pods, 20, seed, (pod) -> pod);
			List<String> grown = new ArrayList<>(pods);
			grown.add("pod-new");
			List<String> after = Subsets.rendezvous(grown, 20, seed, (pod) -> pod);
			Set<String> difference = new HashSet<>(after);
			difference.removeAll(before);
			assertThat(difference).hasSizeLessThanOrEqualTo(1);
			if (!difference.isEmpty()) {
				assertThat(difference).containsExactly("pod-new");
				changed++;
			}
		}
		// expected 1000 x 20 / 1001 = 20
		assertThat(changed).isBetween(5, 45);
	}

	/** Twenty pods in each of zone-a, zone-b and zone-c, the zones taking turns. */
	private static List<PodStats> sixtyPods() {
		List<PodStats> pods = new ArrayList<>();
		for (int i = 0; i < 60; i++) {
			pods.add(new PodStats(new Pod(String.format("pod-%02d", i), "10.0.1." + (i + 1), 8080,
					"zone-" + (char) ('a' + i % 3), PodState.READY), (stats) -> {
					}));
		}
		return pods;
	}

	private static double localShare(PodSelection selection, int usable) {
		SplittableRandom random = new SplittableRandom(42);
		int local = 0;
		for (int i = 0; i < 10_000; i++) {
			if (selection.candidates(usable, random) == selection.local()) {
				local++;
			}
		}
		return local / 10_000.0;
	}

}
