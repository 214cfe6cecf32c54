#!/usr/bin/env bash
# footprint_cli.sh — `lowwatt footprint` end to end: the text report and the
# --json figures against values computed by hand (Strubell et al.'s formula:
# kWh = PUE x hours x watts / 1000 x runs, CO2e = kWh x intensity), every
# unit of --power, --hours and --intensity, --runs, the choice of intensity
# (--region, --intensity, LOWWATT_REGION, the world average) and that every
# bad value is one line on standard error with exit status 2. Prints TAP.
set -u
LOWWATT=${LOWWATT:-${B:-build}/lowwatt}
tmp=$(mktemp -d /tmp/lowwatt-footprint-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib/tap.sh"
unset LOWWATT_REGION

fp() { lw footprint "$@"; }

# json NAME EXPR ARGS...: footprint --json ARGS gives one object for which EXPR holds.
json() {
	local name=$1 expr=$2
	shift 2
	if run "$name" fp --json "$@"; then
		if [ -n "$err" ]; then
			not_ok "$name" "stderr: $err"
		else
			json_check "$name" "$tmp/out" "$expr"
		fi
	fi
}

# near(x, y): equal to 1e-9, relative.
near='(lambda x, y: abs(x - y) <= 1e-9 * abs(y))'

# --------------------------------------------------------------- text

# 1,000 W for 24 h at PUE 1.58 and 433 g/kWh: 37.92 kWh, 16.41936 kg,
# 36.1985 lbs, 0.01825 flights.
if run "text report" fp --power 1000 --hours 24 --pue 1.58 --intensity 433; then
	missing=
	for want in '^  power +1000 W$' '^  duration +24 h per run$' '^  runs +1$' '^  PUE +1.58$' \
		'^  intensity +433 gCO2e/kWh, given$' '^  facility energy +37.92 kWh' \
		'^  CO2e +16.4194 kg = 36.1985 lbs$' \
		'^  equivalent to +0.01825 passenger round trips New York-San Francisco by air$' \
		'^ +0.003284 years of an average human life$' \
		'^ +0.001001 years of an average American life$' \
		'^ +0.0002873 lifetimes of an average car, fuel included$'; do
		printf '%s\n' "$out" | grep -qE -- "$want" || missing="$missing [$want]"
	done
	if [ -z "$missing" ] && [ -z "$err" ]; then
		ok "text report: inputs, 37.92 kWh, 16.4194 kg = 36.1985 lbs, four equivalences"
	else
		not_ok "text report: inputs, 37.92 kWh, 16.4194 kg = 36.1985 lbs, four equivalences" \
			"missing:$missing" "stdout: $out" "stderr: $err"
	fi
fi

if run "text report, region" fp --power 300W --hours '90 min' --region fr; then
	if printf '%s\n' "$out" | grep -qE '^  intensity +56 gCO2e/kWh, France \(FR\)$' &&
		printf '%s\n' "$out" | grep -qE '^  source +Our World in Data \(Ember, Energy Institute\), 2023$' &&
		printf '%s\n' "$out" | grep -qE '^  duration +1.5 h per run$'; then
		ok "text report names the region, its figure and its source"
	else
		not_ok "text report names the region, its figure and its source" "$out"
	fi
fi

# --------------------------------------------------------------- --json

json "--json: the figures of Strubell's formula" "
set(j) == {'energy_kwh', 'co2e_kg', 'co2e_lbs', 'equivalents', 'power_w', 'hours', 'runs',
           'pue', 'region', 'intensity_g_per_kwh', 'intensity_source'}
and $near(j['energy_kwh'], 37.92) and $near(j['co2e_kg'], 16.41936)
and $near(j['co2e_lbs'], 16.41936 / 0.45359237)
and set(j['equivalents']) == {'flights_ny_sf', 'human_years', 'american_years', 'car_lifetimes'}
and $near(j['equivalents']['flights_ny_sf'], 16.41936 / 0.45359237 / 1984)
and $near(j['equivalents']['human_years'], 16.41936 / 0.45359237 / 11023)
and $near(j['equivalents']['american_years'], 16.41936 / 0.45359237 / 36156)
and $near(j['equivalents']['car_lifetimes'], 16.41936 / 0.45359237 / 126000)
and j['power_w'] == 1000 and j['hours'] == 24 and j['runs'] == 1 and j['pue'] == 1.58
and j['region'] is None and j['intensity_g_per_kwh'] == 433 and j['intensity_source']" \
	--power 1000 --hours 24 --pue 1.58 --intensity 433

json "--runs 10: ten times one run" \
	"$near(j['energy_kwh'], 379.2) and $near(j['co2e_kg'], 164.1936) and j['runs'] == 10" \
	--power 1000 --hours 24 --pue 1.58 --intensity 433 --runs 10

# --------------------------------------------------------------- units

json "units: 1kW for 1440 min at 0.433 kg/kWh" \
	"$near(j['energy_kwh'], 37.92) and $near(j['co2e_kg'], 16.41936) and j['power_w'] == 1000 and j['hours'] == 24" \
	--power 1kW --hours 1440min --pue 1.58 --intensity 0.433kg/kWh
json "units: '1.5 KW' for 3600s" \
	"$near(j['energy_kwh'], 1.5) and $near(j['hours'], 1)" --power '1.5 KW' --hours 3600s
json "units: 250 W for 1d (24 h)" "$near(j['energy_kwh'], 6)" --power '250 w' --hours 1d
json "units: a bare --hours is hours" "$near(j['energy_kwh'], 0.6)" --power 300 --hours 2
json "units: 0.954 lb/kWh is Strubell's 432.7 g/kWh" \
	"$near(j['intensity_g_per_kwh'], 0.954 * 453.59237) and $near(j['co2e_kg'], 0.954 * 0.45359237)" \
	--power 1kW --hours 1h --intensity '0.954 lb/kWh'

# --------------------------------------------------------------- intensity

json "no region: the world average (Ember, 2023)" "
j['region'] == 'world' and j['intensity_g_per_kwh'] == 480 and $near(j['co2e_kg'], 0.48)
and 'Ember' in j['intensity_source'] and 'Global Electricity Review 2024' in j['intensity_source']" \
	--power 1kW --hours 1
json "--region fra: France, Our World in Data" "
j['region'] == 'FR' and j['intensity_g_per_kwh'] == 56
and j['intensity_source'] == 'Our World in Data (Ember, Energy Institute), 2023'" \
	--power 1kW --hours 1 --region fra
export LOWWATT_REGION=de
json "LOWWATT_REGION=de: Germany" "j['region'] == 'DE' and j['intensity_g_per_kwh'] == 380.9" \
	--power 1kW --hours 1
json "--region wins over LOWWATT_REGION" "j['region'] == 'FR'" --power 1kW --hours 1 --region FR
json "--intensity wins over LOWWATT_REGION" "j['region'] is None and j['intensity_g_per_kwh'] == 100" \
	--power 1kW --hours 1 --intensity 100
export LOWWATT_REGION=
json "an empty LOWWATT_REGION counts as unset" "j['region'] == 'world'" --power 1kW --hours 1
unset LOWWATT_REGION

# --------------------------------------------------------------- errors

U='expected a power: a number with W, kW'
expect_error "--region with --intensity" 2 '^lowwatt footprint: give --region or --intensity, not both$' - -- \
	fp --power 1 --hours 1 --region fr --intensity 100
expect_error "--region XX" 2 "^lowwatt footprint: --region 'XX': unknown country code \(ISO 3166 alpha-2, e.g. FR, US, or 'world'\)$" - -- \
	fp --power 1 --hours 1 --region XX
expect_error "--region of five letters" 2 "--region 'FRANC': unknown country code" - -- \
	fp --power 1 --hours 1 --region FRANC
expect_error "LOWWATT_REGION=XX" 2 "^lowwatt footprint: LOWWATT_REGION='XX': unknown country code" - -- \
	env -u OPENBLAS_CORETYPE LOWWATT_REGION=XX "$LOWWATT" footprint --power 1 --hours 1
expect_error "--power 5 parsecs" 2 "^lowwatt footprint: --power '5 parsecs': unknown unit 'parsecs'; $U" - -- \
	fp --power '5 parsecs' --hours 1
expect_error "--power 12abc" 2 "--power '12abc': unknown unit 'abc'; $U" - -- fp --power 12abc --hours 1
expect_error "--power -1" 2 "--power '-1': negative; $U" - -- fp --power -1 --hours 1
expect_error "--power nan" 2 "--power 'nan': not a finite number; $U" - -- fp --power nan --hours 1
expect_error "--power inf" 2 "--power 'inf': not a finite number" - -- fp --power inf --hours 1
expect_error "--power 1e999" 2 "--power '1e999': out of range; $U" - -- fp --power 1e999 --hours 1
expect_error "--power ''" 2 "--power '': empty; $U" - -- fp --power '' --hours 1
expect_error "--power kW" 2 "--power 'kW': no number; $U" - -- fp --power kW --hours 1
expect_error "--hours 5 parsecs" 2 "--hours '5 parsecs': unknown unit 'parsecs'; expected a duration: a number with ms, s, min, h or d \(h if none\)" - -- \
	fp --power 1 --hours '5 parsecs'
expect_error "--hours -2h" 2 "--hours '-2h': negative" - -- fp --power 1 --hours -2h
expect_error "--intensity 3kg" 2 "--intensity '3kg': unknown unit 'kg'; expected a carbon intensity: a number with g/kWh, kg/kWh or lb/kWh" - -- \
	fp --power 1 --hours 1 --intensity 3kg
expect_error "--pue 0.5" 2 "--pue '0.5': out of range; expected a PUE: a number from 1 to 10" - -- \
	fp --power 1 --hours 1 --pue 0.5
expect_error "--pue 11" 2 "--pue '11': out of range" - -- fp --power 1 --hours 1 --pue 11
expect_error "--pue abc" 2 "--pue 'abc': no number" - -- fp --power 1 --hours 1 --pue abc
expect_error "--runs 0" 2 "--runs must be between 1 and" - -- fp --power 1 --hours 1 --runs 0
expect_error "--runs 1.5" 2 "--runs expects an integer, got '1.5'" - -- fp --power 1 --hours 1 --runs 1.5
expect_error "no --power" 2 "missing --power" - -- fp --hours 1
expect_error "no --hours" 2 "missing --hours" - -- fp --power 1
expect_error "an unknown flag" 2 "unknown flag --watts" - -- fp --watts 1 --hours 1
expect_error "a stray word" 2 "unexpected argument 'extra'" - -- fp --power 1 --hours 1 extra

if run "--help" fp --help && printf '%s\n' "$out" | grep -q -- '--region' &&
	printf '%s\n' "$out" | grep -q -- '--intensity' && printf '%s\n' "$out" | grep -q -- '--pue' &&
	printf '%s\n' "$out" | grep -q -- '--runs'; then
	ok "--help lists the flags"
else
	not_ok "--help lists the flags" "$out"
fi

tap_finish
