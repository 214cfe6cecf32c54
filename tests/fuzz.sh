#!/usr/bin/env bash
# fuzz.sh — run every built libFuzzer harness (${B:-build}/fuzz/fuzz_*) for
# FUZZ_SECONDS seconds (default 20) each, and print TAP: ok if the fuzzer
# found nothing, not ok with the first lines of its report if it crashed,
# leaked, ran out of memory or time, or failed one of its checks.
#
# Each fuzzer starts from a copy of its seed corpus (fuzz/corpus/<name>/) in
# a temporary directory, so the repository stays clean; the input that made
# it fail is kept in that directory, whose path the report gives.
# Harnesses are built by `make fuzz` (clang); a missing build is a failure.
set -u
cd "$(dirname "$0")/.."

B=${B:-build}
SECONDS_EACH=${FUZZ_SECONDS:-20}

mapfile -t fuzzers < <(find fuzz -maxdepth 1 -name 'fuzz_*.c' | sort | sed 's#^fuzz/##; s#\.c$##')
if [ "${#fuzzers[@]}" -eq 0 ]; then
	echo "1..0 # skip no fuzz/fuzz_*.c"
	exit 0
fi
echo "1..${#fuzzers[@]}"

tmp=$(mktemp -d /tmp/lowwatt-fuzz-XXXXXX)
keep=0
n=0
fail=0
for name in "${fuzzers[@]}"; do
	n=$((n + 1))
	bin=$B/fuzz/$name
	seeds=fuzz/corpus/${name#fuzz_}
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $name: $bin is not built (make B=$B fuzz)"
		fail=$((fail + 1))
		continue
	fi
	work=$tmp/$name
	mkdir -p "$work/corpus"
	[ -d "$seeds" ] && cp -R "$seeds/." "$work/corpus/"
	# -timeout: one input taking longer than 10 s is a failure too.
	"$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" \
		>"$work/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $name: ${runs:-?} inputs in ${SECONDS_EACH} s, nothing found"
	else
		fail=$((fail + 1))
		keep=1
		echo "not ok $n - $name: exit $rc after ${runs:-?} inputs"
		artifacts=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
			-o -name 'timeout-*' -o -name 'oom-*' \) | head -3)
		[ -n "$artifacts" ] && echo "# input kept: $artifacts"
		grep -m1 -A14 -E '^==[0-9]+==ERROR|check failed|runtime error|^SUMMARY|deadly signal' \
			"$work/log" | head -24 | sed 's/^/# /'
	fi
done

if [ "$keep" -eq 0 ]; then
	rm -rf "$tmp"
else
	echo "# fuzzer logs and inputs kept in $tmp"
fi
[ "$fail" -eq 0 ]
