#!/usr/bin/env bash
# Runs the mapper's JMH benchmarks briefly and prints the issue-3 goals as a table:
#   linear3 / direct throughput (memory and file leaf; goal >= 0.95),
#   read latency p50/p99/max while suspend/load/resume cycles run (goal: p99 < 1 ms),
#   copier / sequential FileChannel copy throughput on the same disk (goal >= 0.8).
# Builds with Maven (compile + test-compile only; never installs). Tunables (environment):
#   FORKS=2 WARMUP_ITERS=2 ITERS=4 WARMUP_TIME=1s ITER_TIME=1s COPY_MIB=256 COPY_ITERS=5 PAIRS=30
# Scores are medians over all measured iterations of all forks (robust against a busy machine);
# the load average is printed, since a shared machine moves single runs by 2x.
#   BENCH_OUT=<dir for the JMH JSON>   MVN_OPTS=-o (extra Maven flags, e.g. offline)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
FORKS="${FORKS:-2}"
WARMUP_ITERS="${WARMUP_ITERS:-2}"
ITERS="${ITERS:-4}"
WARMUP_TIME="${WARMUP_TIME:-1s}"
ITER_TIME="${ITER_TIME:-1s}"
COPY_MIB="${COPY_MIB:-256}"
COPY_ITERS="${COPY_ITERS:-5}"
PAIRS="${PAIRS:-30}"
OUT="${BENCH_OUT:-$(mktemp -d -t ferry-bench.XXXXXX)}"
MVN_OPTS="${MVN_OPTS:-}"

echo "== building mapper test classes" >&2
# shellcheck disable=SC2086
mvn -B -q $MVN_OPTS -pl mapper -am test-compile >&2
# shellcheck disable=SC2086
mvn -B -q $MVN_OPTS -pl mapper dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$OUT/classpath.txt" >&2
# a private copy of the classes, so rebuilding the tree cannot change what running forks load
rm -rf "$OUT/classes" "$OUT/test-classes"
cp -r "$ROOT/mapper/target/classes" "$OUT/classes"
cp -r "$ROOT/mapper/target/test-classes" "$OUT/test-classes"
CP="$OUT/test-classes:$OUT/classes:$(cat "$OUT/classpath.txt")"

jmh() {
    local name="$1"; shift
    echo "== $name" >&2
    java -cp "$CP" org.openjdk.jmh.Main "$@" -f "$FORKS" -rf json -rff "$OUT/$name.json" >&2
}

jmh linear 'LinearTableBenchmark' -wi "$WARMUP_ITERS" -i "$ITERS" -w "$WARMUP_TIME" -r "$ITER_TIME"
jmh stall 'SuspendStallBenchmark' -wi "$WARMUP_ITERS" -i "$ITERS" -w "$WARMUP_TIME" -r "$ITER_TIME"
jmh copier 'CopierBench' -wi 1 -i "$COPY_ITERS" -p sizeMiB="$COPY_MIB"

echo "== linear paired ratios" >&2
: > "$OUT/paired.txt"
for leaf in memory file; do
    for op in read write; do
        for size in 4096 65536; do
            # the result line only (test logging may print to stdout too)
            java -cp "$CP" dev.ferry.mapper.bench.LinearPairedRatio "$leaf" "$size" "$op" "$PAIRS" \
                | grep -E '^(memory|file) ' >> "$OUT/paired.txt"
        done
    done
done

python3 - "$OUT" <<'PY'
import json, sys, os, statistics
out = sys.argv[1]
def median(r):
    return statistics.median(v for fork in r["primaryMetric"]["rawData"] for v in fork)
def load(name):
    with open(os.path.join(out, name + ".json")) as f:
        return json.load(f)
def method(r):
    return r["benchmark"].rsplit(".", 1)[1]

print()
print("Linear: 3-segment linear table vs the leaf directly (median ops/s; goal >= 0.95x)")
print(f"{'leaf':<7}{'op':<7}{'size':>7}{'direct':>14}{'linear3':>14}{'ratio':>8}")
res = {}
for r in load("linear"):
    p = r["params"]
    res[(p["leafKind"], method(r), p["size"], p["path"])] = median(r)
for leaf in ("memory", "file"):
    for op in ("read", "write"):
        for size in sorted({k[2] for k in res}, key=int):
            d = res.get((leaf, op, size, "direct"))
            l = res.get((leaf, op, size, "linear3"))
            if d and l:
                print(f"{leaf:<7}{op:<7}{size:>7}{d:>14,.0f}{l:>14,.0f}{l / d:>7.2f}x")

print()
print("Linear, paired: alternating 100 ms slices direct / linear3 in one JVM (ratio median [p25, p75])")
with open(os.path.join(out, "paired.txt")) as f:
    for line in f:
        leaf, op, size, med, p25, p75 = line.split()
        print(f"{leaf:<7}{op:<7}{size:>7}{float(med):>9.2f}x  [{float(p25):.2f}, {float(p75):.2f}]")

print()
print("Suspend stall: 4 KiB read latency (us) with load/suspend/resume cycles (goal: p99 < 1000 us)")
print(f"{'cycling':<9}{'p50':>9}{'p99':>9}{'p99.9':>9}{'max':>10}{'samples':>10}")
for r in load("stall"):
    pm = r["primaryMetric"]
    pc = pm["scorePercentiles"]
    n = sum(sum(c for _, c in h) for it in pm["rawDataHistogram"] for h in it) if "rawDataHistogram" in pm else 0
    print(f"{r['params']['cycling']:<9}{pc['50.0']:>9.1f}{pc['99.0']:>9.1f}{pc['99.9']:>9.1f}{pc['100.0']:>10.1f}{n:>10}")

print()
print("Copier vs sequential FileChannel copy, same disk, FileBlockDevice (median ms per copy; goal >= 0.8x)")
print(f"{'inFlight':<9}{'MiB':>6}{'sequential':>12}{'copier':>10}{'ratio':>8}")
cop = {}
for r in load("copier"):
    p = r["params"]
    cop[(method(r), p["inFlight"], p["sizeMiB"])] = median(r)
for (m, inflight, mib), t in sorted(cop.items(), key=lambda kv: int(kv[0][1])):
    if m != "copier":
        continue
    seq = cop.get(("sequentialFileChannel", inflight, mib))
    if seq:
        print(f"{inflight:<9}{mib:>6}{seq:>12.1f}{t:>10.1f}{seq / t:>7.2f}x")
print()
print("load average:", " ".join(open("/proc/loadavg").read().split()[:3]), "on", os.cpu_count(), "CPUs")
print("JMH JSON in", out)
PY
