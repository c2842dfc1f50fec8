#!/usr/bin/env bash
# One command for the codec benchmark: bridge-pickle vs net.razorvine:pickle 1.5 (JMH) vs
# CPython's C pickle, on the same protocol-5 pickles. Prints one table and writes
# bench/results/codec.json. Takes a few minutes on 2 cores with the default short iterations.
#
#   bench/codec/run.sh                      # everything
#   JMH_ARGS="-prof gc" bench/codec/run.sh  # extra JMH options, added to every JMH run
#   PB_TARGET=target-me bench/codec/run.sh  # build output directory name (default target-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
target=${PB_TARGET:-target-bench}
work="$root/bench/codec-jmh/$target"
jmh_args=${JMH_ARGS:-}

mvn -B -q -f bench/codec-jmh/pom.xml -Dpb.targetName="$target" package
python3 bench/codec/payloads.py "$work/payloads"
rm -f "$work"/jmh-*.json

# 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement (a single slow call may run longer). Every fork,
# ours and razorvine alike, gets the same fixed, pre-touched 4 GiB heap, so no row measures heap
# growth or first-touch page faults.
jvm_flags="-Xms4g -Xmx4g -XX:+AlwaysPreTouch"
jmh() { java -jar "$work/benchmarks.jar" -f 1 -w 1s -r 1s -jvmArgsAppend "$jvm_flags -Dpb.payloads=$work/payloads" "$@"; }
jmh 'CodecBenchmark\.(decode|encode)(Ours|Razorvine)$' -wi 3 -i 5 -p payload=rpc,strings,dicts,bytes -rf json -rff "$work/jmh-main.json" $jmh_args
# An extra, clearly labelled row, never instead of the default one: the opt-in zeroCopyBytes codec
# decodes the 64 MiB bytes as a read-only ByteBuffer view of the input (no copy).
jmh 'CodecBenchmark\.decodeOursZeroCopy$' -wi 3 -i 5 -p payload=bytes -rf json -rff "$work/jmh-zerocopy.json" $jmh_args
jmh 'CodecBenchmark\.(decodeOurs|encodeOurs|encodeRazorvine)$' -wi 3 -i 5 -p payload=ints,floats -rf json -rff "$work/jmh-ints.json" $jmh_args
# razorvine decodes 1M ints or floats in seconds to minutes (its APPENDS is quadratic): one single shot each.
jmh 'CodecBenchmark\.decodeRazorvine$' -bm ss -wi 0 -i 1 -p payload=ints,floats -rf json -rff "$work/jmh-razorvine-ints.json" $jmh_args
python3 bench/codec/cpython_bench.py "$work/payloads" > "$work/cpython.json"

mkdir -p bench/results
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
python3 bench/codec/report.py bench/results/codec.json "$work/cpython.json" "$work"/jmh-*.json
