#!/usr/bin/env bash
# Runs the demo locally: 3 demo-backend pods on 127.0.0.2-4:8081, 3 PostgreSQL read
# replicas on 127.0.0.2-4 (ports 5433-5435) and the frontend on http://localhost:8080.
# Stops on Ctrl-C, or after DEMO_SECONDS seconds when that is set.
set -euo pipefail
cd "$(dirname "$0")"

./mvnw -B -q -DskipTests package -pl demo-api,demo-backend,demo-postgres,demo-frontend -am

pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

mkdir -p target/demo
java -jar demo-postgres/target/connbalance-demo-postgres-0.1.0-SNAPSHOT.jar 3 >target/demo/postgres.log 2>&1 &
pids+=($!)
for i in 1 2 3; do
	POD_NAME="backend-$i" java -jar demo-backend/target/connbalance-demo-backend-0.1.0-SNAPSHOT.jar \
		--server.address="127.0.0.$((i + 1))" --spring.grpc.server.address="127.0.0.$((i + 1))" \
		>"target/demo/backend-$i.log" 2>&1 &
	pids+=($!)
done
java -jar demo-frontend/target/connbalance-demo-frontend-0.1.0-SNAPSHOT.jar \
	--server.address=127.0.0.1 --demo.local.backend-jar="$PWD/demo-backend/target/connbalance-demo-backend-0.1.0-SNAPSHOT.jar" \
	>target/demo/frontend.log 2>&1 &
pids+=($!)

for _ in $(seq 1 120); do
	if grep -q "PostgreSQL replicas ready" target/demo/postgres.log 2>/dev/null &&
		curl -fsS http://localhost:8080/actuator/health >/dev/null 2>&1; then break; fi
	sleep 0.5
done
echo "connbalance demo running: open http://localhost:8080 (the dashboard)"
echo "  backends: HTTP 127.0.0.2-4:8081, gRPC :9091; PostgreSQL replicas: 127.0.0.2-4:5433-5435"
echo "  spread of 300 requests per client (WebClient, RestClient, gRPC, JDBC queries):"
echo "                                     curl http://localhost:8080/spread?requests=300"
echo "  per-pod distribution:              curl http://localhost:8080/actuator/connbalance"
echo "  logs: target/demo/"

if [[ -n "${DEMO_SECONDS:-}" ]]; then
	sleep "$DEMO_SECONDS"
else
	wait
fi
