#!/usr/bin/env bash
# measure_cli.sh — `lowwatt measure` end to end: the summary and --json
# figures (estimated here, measured on a fabricated powercap tree that the
# measured command itself advances, and on the fake NVML library), exit
# statuses (the command's, 128 + signal, 127/126), signals forwarded to the
# command, --csv rows in CodeCarbon's columns, and one-line errors for bad
# flags, checked before anything runs. Prints TAP.
set -u
B=${B:-build}
LOWWATT=${LOWWATT:-$B/lowwatt}
FAKE_NVML_DIR=${FAKE_NVML_DIR:-$B/tests/fake_nvml}
tmp=$(mktemp -d /tmp/lowwatt-measure-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib/tap.sh"

# No sensors: an empty /sys, so that the estimate runs on any machine.
mkdir -p "$tmp/nosys"
m() { env -u LOWWATT_REGION LOWWATT_SYSFS="$tmp/nosys" "$LOWWATT" measure "$@"; }

# --------------------------------------------------------------- estimated

if run "measure true" m -- true; then
	if printf '%s' "$err" | grep -q "cpu .* estimated" && printf '%s' "$err" | grep -q "CO2e" &&
		[ -z "$out" ]; then
		ok "measure: summary on stderr, labelled estimated; stdout left to the command"
	else
		not_ok "measure: summary" "stdout: $out" "stderr: $err"
	fi
fi

run "measure --json" m --json --pue 1.5 --region FR -- sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done' &&
json_check "measure --json: the contract's keys and arithmetic" "$tmp/out" '
all(k in j for k in ["command","exit_code","duration_s","energy_j","method","sources",
    "avg_power_w","pue","facility_energy_kwh","region","intensity_g_per_kwh","co2e_g",
    "process_share"])
and set(j["energy_j"]) == {"cpu","dram","gpu","total"}
and set(j["method"]) == {"cpu","dram","gpu"}
and j["method"]["cpu"] == "estimated" and j["method"]["dram"] == "estimated"
and j["energy_j"]["cpu"] > 0 and j["energy_j"]["dram"] > 0
and abs(j["energy_j"]["total"] - j["energy_j"]["cpu"] - j["energy_j"]["dram"]
        - (j["energy_j"]["gpu"] or 0)) < 1e-9 * max(1, j["energy_j"]["total"])
and j["pue"] == 1.5 and j["region"] == "FR"
and abs(j["facility_energy_kwh"] - j["energy_j"]["total"] / 3.6e6 * 1.5) < 1e-12
and abs(j["co2e_g"] - j["facility_energy_kwh"] * j["intensity_g_per_kwh"]) < 1e-12
and 0 < j["process_share"] <= 1 and j["exit_code"] == 0
and abs(j["avg_power_w"]["total"] * j["duration_s"] - j["energy_j"]["total"]) < 1e-6
and "estimate" in j["sources"]["cpu"] and j["command"].startswith("sh -c ")'

run "measure --intensity" m --json --intensity "0.1 kg/kWh" -- true &&
json_check "measure --intensity 0.1 kg/kWh is 100 g/kWh, no region" "$tmp/out" \
	'j["intensity_g_per_kwh"] == 100 and j["region"] is None'

# --------------------------------------------------------------- exit status

status_of() { m "$@" >/dev/null 2>"$tmp/err" </dev/null; echo $?; }
[ "$(status_of -- sh -c 'exit 3')" = 3 ] && ok "exit status: the command's (3)" ||
	not_ok "exit status: the command's" "$(cat "$tmp/err")"
[ "$(status_of -- sh -c 'kill -TERM $$')" = 143 ] && ok "killed by SIGTERM: 128 + 15" ||
	not_ok "killed by SIGTERM" "$(cat "$tmp/err")"
expect_error "a command that does not exist: 127" 127 "no-such-command-x: command not found" - -- \
	m -- no-such-command-x
printf 'echo hi\n' >"$tmp/noexec"
chmod 644 "$tmp/noexec"
# (root too: execve wants at least one execute bit)
expect_error "a file that is not executable: 126" 126 "noexec: Permission denied" - -- \
	m -- "$tmp/noexec"

# --------------------------------------------------------------- signals

# forward SIG CODE: kill lowwatt with SIG while the command traps it and
# exits with CODE; lowwatt must pass the signal on and exit with CODE. (Not
# INT or QUIT: a background job of a script starts with those ignored.)
forward() {
	local sig=$1 code=$2
	# env execs lowwatt: $! is lowwatt itself, not a subshell.
	env LOWWATT_SYSFS="$tmp/nosys" "$LOWWATT" measure -- \
		sh -c "trap 'exit $code' $sig; echo ready >'$tmp/ready.$sig'; while :; do sleep 0.05; done" \
		>/dev/null 2>&1 </dev/null &
	local pid=$!
	for _ in $(seq 100); do [ -e "$tmp/ready.$sig" ] && break; sleep 0.05; done
	kill -"$sig" "$pid"
	wait "$pid"
	echo $?
}
for case in "TERM 42" "HUP 43" "USR1 44" "USR2 45"; do
	set -- $case
	got=$(forward "$1" "$2")
	[ "$got" = "$2" ] && ok "SIG$1 forwarded to the command (exit $2)" ||
		not_ok "SIG$1 forwarded to the command" "exit status $got, expected $2"
done

# --------------------------------------------------------------- measured

# A powercap tree whose counters the measured command itself advances: the
# energy is known exactly. core must not be added; the mmio copy of
# package-0 counts once; dram is measured too.
zone() { # zone DIR NAME ENERGY
	mkdir -p "$tmp/sys/class/powercap/$1"
	echo "$2" >"$tmp/sys/class/powercap/$1/name"
	echo "$3" >"$tmp/sys/class/powercap/$1/energy_uj"
	echo 262143328850 >"$tmp/sys/class/powercap/$1/max_energy_range_uj"
}
zone intel-rapl:0 package-0 1000000
zone intel-rapl:0:0 core 1000000
zone intel-rapl:0:1 dram 1000000
zone intel-rapl-mmio:0 package-0 1000000
P=$tmp/sys/class/powercap
advance="echo 6000000 >$P/intel-rapl:0/energy_uj; echo 9000000 >$P/intel-rapl:0:0/energy_uj;
echo 3000000 >$P/intel-rapl:0:1/energy_uj; echo 6000000 >$P/intel-rapl-mmio:0/energy_uj"
if run "measure on a fabricated powercap tree" \
	env LOWWATT_SYSFS="$tmp/sys" "$LOWWATT" measure --json -- sh -c "$advance"; then
	json_check "powercap: cpu 5 J and dram 2 J, measured; core and mmio not added" "$tmp/out" '
abs(j["energy_j"]["cpu"] - 5.0) < 1e-9 and abs(j["energy_j"]["dram"] - 2.0) < 1e-9
and j["method"]["cpu"] == "measured" and j["method"]["dram"] == "measured"
and "rapl" in j["sources"]["cpu"]'
fi

if [ -e "$FAKE_NVML_DIR/libnvidia-ml.so.1" ]; then
	if run "measure with two (fake) GPUs" env LD_LIBRARY_PATH="$FAKE_NVML_DIR" \
		FAKE_NVML_GPUS=2 FAKE_NVML_MODE=energy FAKE_NVML_WATTS=100 \
		LOWWATT_SYSFS="$tmp/nosys" "$LOWWATT" measure --json -- sleep 0.5; then
		json_check "NVML: gpu measured, 100 W + 200 W over the run, one channel per GPU" \
			"$tmp/out" '
j["method"]["gpu"] == "measured"
and abs(j["energy_j"]["gpu"] - 300 * j["duration_s"]) < 0.05 * 300 * j["duration_s"]
and len([c for c in j["channels"] if c["domain"] == "gpu"]) == 2'
	fi
else
	not_ok "the fake NVML library exists" "$FAKE_NVML_DIR/libnvidia-ml.so.1 is missing"
fi

# --------------------------------------------------------------- CSV

csv=$tmp/emissions.csv
if run "measure --csv, twice" m --csv "$csv" --region DE -- true &&
	run "measure --csv, again" m --csv "$csv" -- true; then
	"$PY" - "$csv" >"$tmp/why" 2>&1 <<'EOF' && ok "--csv: CodeCarbon's header once, two rows of 38 fields, kWh with PUE" || not_ok "--csv rows" "$(cat "$tmp/why")"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
want = ("timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,"
        "cpu_power,gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,"
        "water_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,os,"
        "python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,"
        "latitude,ram_total_size,tracking_mode,cpu_utilization_percent,gpu_utilization_percent,"
        "ram_utilization_percent,ram_used_gb,on_cloud,pue,wue").split(",")
assert rows[0] == want, rows[0]
assert len(rows) == 3 and all(len(r) == 38 for r in rows), [len(r) for r in rows]
r = dict(zip(want, rows[1]))
assert r["country_iso_code"] == "DEU", r
e = float(r["energy_consumed"])
assert abs(e - float(r["cpu_energy"]) - float(r["ram_energy"])) < 1e-12, r
assert float(r["emissions"]) > 0 and r["pue"] == "1", r
assert float(r["duration"]) > 0, r
assert r["tracking_mode"] == "machine (estimated: cpu, dram)", r
assert rows[1][2] != rows[2][2], "run ids repeat"
EOF
fi
printf 'a,b,c\n1,2,3\n' >"$tmp/other.csv"
expect_error "--csv FILE with another header: refused before running" 2 "other.csv: .*header" - -- \
	m --csv "$tmp/other.csv" -- touch "$tmp/ran"
[ ! -e "$tmp/ran" ] && [ "$(cat "$tmp/other.csv")" = "$(printf 'a,b,c\n1,2,3')" ] &&
	ok "--csv refused: the command did not run and the file is unchanged" ||
	not_ok "--csv refused: the command did not run and the file is unchanged"

# --------------------------------------------------------------- bad flags

expect_error "no -- before the command" 2 "give the command after --" - -- m true
expect_error "nothing after --" 2 "give the command after --" - -- m --json --
expect_error "--interval too short" 2 "interval" - -- m --interval 1ms -- true
expect_error "--interval not a number" 2 "interval" - -- m --interval abc -- true
expect_error "--rapl unknown" 2 "--rapl zones: expected packages or psys" - -- m --rapl zones -- true
expect_error "--region unknown" 2 "XX" - -- m --region XX -- true
expect_error "--region and --intensity together" 2 "region.*intensity|intensity.*region" - -- \
	m --region FR --intensity 50 -- true
expect_error "--pue below 1" 2 "pue" - -- m --pue 0.5 -- true
expect_error "an unknown flag" 2 "--bogus" - -- m --bogus -- true
expect_error "LOWWATT_REGION unknown" 2 "LOWWATT_REGION" - -- \
	env LOWWATT_REGION=QQ LOWWATT_SYSFS="$tmp/nosys" "$LOWWATT" measure -- true

tap_finish
