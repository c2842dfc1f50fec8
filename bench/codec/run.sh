#!/usr/bin/env bash
# One command for the codec benchmark: bridge-pickle vs net.razorvine:pickle 1.5 (JMH) vs
# CPython's C pickle, on the same protocol-5 pickles. Prints one table and writes
# bench/results/codec.json. Takes a few minutes on 2 cores with the default short iterations.
#
#   bench/codec/run.sh                      # everything
#   JMH_ARGS="-p payload=rpc,ints" bench/codec/run.sh   # a subset (CPython still times all)
#   PB_TARGET=target-me bench/codec/run.sh  # build output directory name (default target-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
target=${PB_TARGET:-target-bench}
work="$root/bench/codec-jmh/$target"
jmh_args=${JMH_ARGS:-}

mvn -B -q -f bench/codec-jmh/pom.xml -Dpb.targetName="$target" package
python3 bench/codec/payloads.py "$work/payloads"

# Short iterations: 1 fork, 2 x 1 s warm-up, 3 x 1 s measurement (a single slow call may run longer).
java -jar "$work/benchmarks.jar" CodecBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s \
    -jvmArgsAppend "-Xms3g -Xmx3g -Dpb.payloads=$work/payloads" \
    -rf json -rff "$work/jmh.json" $jmh_args
python3 bench/codec/cpython_bench.py "$work/payloads" > "$work/cpython.json"

mkdir -p bench/results
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
python3 bench/codec/report.py "$work/jmh.json" "$work/cpython.json" bench/results/codec.json
