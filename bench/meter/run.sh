#!/usr/bin/env bash
# run.sh — the energy meter's own cost: the CPU time of its sampling thread
# as a share of one core, at the default interval (1 s) and at 100 ms and
# 10 ms, on the path this machine takes (the estimate: /proc/stat) and on a
# fabricated powercap tree (two packages, two dram zones, core subzones:
# six files read per sample). The issue's bound: below 0.5% of one core at
# the default interval.
#
#   bash bench/meter/run.sh [--quick]      (also part of make bench)
#
# Environment: B (build folder, default build), BENCH_SECONDS (per case,
# default 20; --quick 3).
#
# There is no peer to run side by side here: CodeCarbon (Python) is not
# installed on these machines. Its scheduler wakes a Python thread every
# 15 s by default; lowwatt's cost is shown per sample so that the two can
# be compared where both exist.
set -eu
B=${B:-build}
SECONDS_PER=${BENCH_SECONDS:-20}
[ "${1:-}" = --quick ] && SECONDS_PER=3
mkdir -p "$B/bench"
gcc -std=c11 -O2 -Iinclude bench/meter/overhead.c "$B/liblowwatt.a" \
	$(pkg-config --libs libpcre2-8 jansson openblas zlib) -fopenmp -lm -lpthread -ldl \
	-o "$B/bench/meter-overhead"

tree=$(mktemp -d /tmp/lowwatt-bench-meter-XXXXXX)
trap 'rm -rf "$tree"' EXIT
for z in "intel-rapl:0 package-0" "intel-rapl:0:0 core" "intel-rapl:0:1 dram" \
	"intel-rapl:1 package-1" "intel-rapl:1:0 core" "intel-rapl:1:1 dram"; do
	set -- $z
	mkdir -p "$tree/class/powercap/$1"
	echo "$2" >"$tree/class/powercap/$1/name"
	echo 123456789 >"$tree/class/powercap/$1/energy_uj"
	echo 262143328850 >"$tree/class/powercap/$1/max_energy_range_uj"
done

printf '%-22s %9s %8s %9s %14s %12s\n' path interval samples seconds "sampler CPU" "of one core"
for path in estimate powercap; do
	for interval in 1 0.1 0.01; do
		if [ $path = powercap ]; then
			out=$(LOWWATT_SYSFS=$tree "$B/bench/meter-overhead" "$SECONDS_PER" "$interval")
		else
			out=$(LOWWATT_SYSFS=$tree/none "$B/bench/meter-overhead" "$SECONDS_PER" "$interval")
		fi
		/usr/bin/python3 - "$path" "$out" <<'PY'
import json, sys
j = json.loads(sys.argv[2])
print("%-22s %8gs %8d %9.1f %12.2f ms %11.4f%%" % (sys.argv[1] + " (" + j["cpu_method"] + ")",
      j["interval_s"], j["samples"], j["seconds"], 1000 * j["sampler_cpu_s"],
      100 * j["core_share"]))
PY
	done
done
