#!/usr/bin/env bash
# The comparative benchmark: connbalance against kube-proxy, Spring Cloud LoadBalancer
# and an HAProxy hop, on real pods on 127.0.0.x. Writes its section of docs/benchmarks.md
# and the charts docs/compare-*.svg.
#
#   bench/compare.sh [rounds [window-seconds [scenario ...]]]
#
# Defaults: 3 rounds of 3 s windows, every scenario. Named scenarios (capacity, balance, overhead,
# scale-up, rolling, slow-pod, failing-pod, slow-start, grpc, jdbc, chaos, protocols) run alone and write
# their report to bench/target/compare/ instead.
#
# As root it installs iptables and haproxy (Debian) when missing, and runs in a network
# namespace of its own, where it writes kube-proxy's iptables rules; otherwise kube-proxy
# is played by a user-space forwarder and HAProxy is left out when not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

# the dependencies are copied anew: jars of versions no longer used would stay on the class path
rm -rf bench/target/lib
./mvnw -B -q -pl bench -am package -DskipTests

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	missing=()
	command -v iptables >/dev/null || missing+=(iptables)
	command -v haproxy >/dev/null || missing+=(haproxy)
	if [ ${#missing[@]} -gt 0 ]; then
		apt-get install -y -q "${missing[@]}" >/dev/null
	fi
fi

run=(java -Xmx2g -cp "bench/target/classes:bench/target/lib/*" io.connbalance.bench.compare.Compare "$@")
if [ "$(id -u)" = 0 ] && command -v iptables >/dev/null && command -v unshare >/dev/null; then
	# a fresh network namespace: only its own loopback, rules that vanish with it
	exec unshare -n bash -c 'ip link set lo up && CONNBALANCE_BENCH_NETNS=true exec "$@"' compare "${run[@]}"
fi
exec "${run[@]}"
