# fake_machine.sh — a fabricated machine for the energy meter, so that the
# shell tests' figures are arithmetic, not weather: fake_machine DIR points
# LOWWATT_PROCFS at a /proc of 16 GiB whose CPUs never seem busy and
# LOWWATT_SYSFS at an empty /sys (no RAPL), so the meter's estimate is a
# constant power (6 W of memory) whatever else the machine runs. Sourced
# by tests/*.sh.
fake_machine() {
	export LOWWATT_SYSFS=$1/nosys LOWWATT_PROCFS=$1/proc
	mkdir -p "$LOWWATT_SYSFS" "$LOWWATT_PROCFS"
	printf 'processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu hypervisor\n\n' \
		>"$LOWWATT_PROCFS/cpuinfo"
	printf 'cpu  100 0 100 1000 0 0 0 0 0 0\ncpu0 100 0 100 1000 0 0 0 0 0 0\n' \
		>"$LOWWATT_PROCFS/stat"
	printf 'MemTotal:       16777216 kB\nMemAvailable:    8388608 kB\n' >"$LOWWATT_PROCFS/meminfo"
}
