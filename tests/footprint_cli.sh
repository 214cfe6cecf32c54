#!/usr/bin/env bash
# footprint_cli.sh — `lowwatt footprint` end to end: the text report and the
# --json figures against values computed by hand (Strubell et al.'s formula:
# kWh = PUE x hours x watts / 1000 x runs, CO2e = kWh x intensity), every
# unit of --power, --hours and --intensity, --runs, the choice of intensity
# (--region, --intensity, LOWWATT_REGION, the world average) and that every
# bad value is one line on standard error with exit status 2. Then training
# versus using (--train-kwh, --infer-j-per-query, --queries): each figure
# against awk's arithmetic, the units, the edge cases (no queries, a free
# query), --run on fabricated run directories (the run's figures, PUE and
# grid, and the flags that override them), every broken run directory
# (exit 1, naming the file and key) and every usage error (exit 2). Prints TAP.
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

# ================================================ runs of a given power and length

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

# ================================================ training versus using

# expect NAME: the figures of a lifetime, computed here by awk from
# X kWh of training, Y J per query, N queries, PUE P and G g/kWh: sets
# serve life fac ctrain cserve ctotal be share.
expect() {
	read -r serve life fac ctrain cserve ctotal be share <<<"$(awk -v x="$1" -v y="$2" -v n="$3" \
		-v p="$4" -v g="$5" 'BEGIN {
		s = y * n / 3.6e6; l = x + s
		printf "%.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n", s, l, l * p,
			x * p * g / 1000, s * p * g / 1000, l * p * g / 1000, x * 3.6e6 / y, x / l }')"
}

# --------------------------------------------------------------- text

# 0.5 kWh of training, 0.1 J a query, 10^6 queries: 1/36 kWh of serving,
# 94.74% training, break-even at 0.5 x 3.6e6 / 0.1 = 18,000,000 queries.
if run "lifetime: text report" fp --train-kwh 0.5 --infer-j-per-query 0.1 --queries 1e6 \
	--pue 1.58 --intensity 433; then
	missing=
	for want in '^Lifetime footprint: training, then 1,000,000 queries$' \
		'^  training +0.5 kWh at the machine$' '^  one query +0.1 J at the machine$' \
		'^  PUE +1.58$' '^  intensity +433 gCO2e/kWh, given$' \
		'^ +machine kWh +facility kWh +CO2e kg$' \
		'^  training +0.5 +0.79 +0.34207$' '^  serving +0.0277778 +0.0438889 +0.0190039$' \
		'^  lifetime +0.527778 +0.833889 +0.361074$' \
		'^  equivalent to +0.0004012 passenger round trips New York-San Francisco by air$' \
		'^  training share +94.74% of the lifetime$' \
		'^  break-even +18,000,000 queries: serving has then cost as much as training$'; do
		printf '%s\n' "$out" | grep -qE -- "$want" || missing="$missing [$want]"
	done
	if [ -z "$missing" ] && [ -z "$err" ] && ! printf '%s\n' "$out" | grep -q '^  run '; then
		ok "lifetime: text report: inputs, the three rows, share 94.74%, break-even 18,000,000"
	else
		not_ok "lifetime: text report: inputs, the three rows, share 94.74%, break-even 18,000,000" \
			"missing:$missing" "stdout: $out" "stderr: $err"
	fi
fi

if run "lifetime: a query that costs nothing" fp --train-kwh 1 --infer-j-per-query 0 --queries 5; then
	if printf '%s\n' "$out" | grep -qE '^  break-even +never: a query costs nothing$' &&
		printf '%s\n' "$out" | grep -qE '^  training share +100% of the lifetime$'; then
		ok "lifetime: a query that costs nothing: break-even never, training 100%"
	else
		not_ok "lifetime: a query that costs nothing: break-even never, training 100%" "$out"
	fi
fi

# --------------------------------------------------------------- --json

expect 0.5 0.1 1e6 1.58 433
json "lifetime --json: keys and figures (awk)" "
set(j) == {'train_kwh', 'infer_j_per_query', 'queries', 'serve_kwh', 'lifetime_kwh',
           'facility_kwh', 'co2e_kg', 'breakeven_queries', 'train_share', 'equivalents',
           'pue', 'region', 'intensity_g_per_kwh', 'intensity_source', 'run'}
and set(j['co2e_kg']) == {'train', 'serve', 'total'}
and j['train_kwh'] == 0.5 and j['infer_j_per_query'] == 0.1
and j['queries'] == 1000000 and type(j['queries']) is int
and $near(j['serve_kwh'], $serve) and $near(j['serve_kwh'], 1 / 36)
and $near(j['lifetime_kwh'], $life) and $near(j['facility_kwh'], $fac)
and $near(j['co2e_kg']['train'], $ctrain) and $near(j['co2e_kg']['serve'], $cserve)
and $near(j['co2e_kg']['total'], $ctotal)
and $near(j['breakeven_queries'], $be) and $near(j['breakeven_queries'], 1.8e7)
and $near(j['train_share'], $share)
and j['pue'] == 1.58 and j['region'] is None and j['intensity_g_per_kwh'] == 433
and j['intensity_source'] == 'given by the user' and j['run'] is None" \
	--train-kwh 0.5 --infer-j-per-query 0.1 --queries 1e6 --pue 1.58 --intensity 433

json "lifetime --json: the equivalents are the lifetime's" "
set(j['equivalents']) == {'flights_ny_sf', 'human_years', 'american_years', 'car_lifetimes'}
and $near(j['equivalents']['flights_ny_sf'], $ctotal / 0.45359237 / 1984)
and $near(j['equivalents']['human_years'], $ctotal / 0.45359237 / 11023)
and $near(j['equivalents']['american_years'], $ctotal / 0.45359237 / 36156)
and $near(j['equivalents']['car_lifetimes'], $ctotal / 0.45359237 / 126000)" \
	--train-kwh 0.5 --infer-j-per-query 0.1 --queries 1e6 --pue 1.58 --intensity 433

expect 0.5 0.1 1000000000 1 480
json "lifetime: 10^9 queries, world average, serving 55.6x training" "
j['queries'] == 10**9 and $near(j['serve_kwh'], $serve) and $near(j['serve_kwh'], 1e8 / 3.6e6)
and $near(j['train_share'], $share) and $near(j['co2e_kg']['total'], $ctotal)
and j['region'] == 'world' and j['pue'] == 1" \
	--train-kwh 0.5 --infer-j-per-query 0.1 --queries 1000000000

json "lifetime: --queries 0 is the training alone" "
j['queries'] == 0 and j['serve_kwh'] == 0 and j['train_share'] == 1
and j['lifetime_kwh'] == 0.5 and $near(j['breakeven_queries'], 1.8e7)" \
	--train-kwh 0.5 --infer-j-per-query 0.1 --queries 0
json "lifetime: a free query has no break-even (null)" \
	"j['breakeven_queries'] is None and j['train_share'] == 1 and j['serve_kwh'] == 0" \
	--train-kwh 0.5 --infer-j-per-query 0 --queries 1e6
json "lifetime: nothing at all has no training share (null)" \
	"j['train_share'] is None and j['lifetime_kwh'] == 0 and j['breakeven_queries'] == 0" \
	--train-kwh 0 --infer-j-per-query 2 --queries 0

for units in "500 Wh|0.1 J" "1.8 MJ|100 mJ" "1800kJ|0.0001 kJ" "0.5 kWh|0.1"; do
	json "lifetime units: --train-kwh '${units%|*}' --infer-j-per-query '${units#*|}'" \
		"$near(j['train_kwh'], 0.5) and $near(j['infer_j_per_query'], 0.1)
		 and $near(j['breakeven_queries'], 1.8e7)" \
		--train-kwh "${units%|*}" --infer-j-per-query "${units#*|}" --queries 10
done
json "lifetime: --region fr (56 g/kWh) on both parts" "
j['region'] == 'FR' and $near(j['co2e_kg']['total'], (1 + 36 * 1000 / 3.6e6) * 56 / 1000)
and $near(j['co2e_kg']['serve'], 0.01 * 0.056)" \
	--train-kwh 1 --infer-j-per-query 36 --queries 1000 --region fr

# --------------------------------------------------------------- --run

# mkrun NAME JSON: a run directory whose summary.json is JSON (an older
# run's keys, then the metered ones of issue 5).
mkrun() {
	mkdir -p "$tmp/$1"
	printf '%s\n' "$2" >"$tmp/$1/summary.json"
	echo "$tmp/$1"
}
OLD='"arch": "mlm", "vocab": 8192, "steps": 1800, "tokens": 7372800, "val_loss": 4.49, "run_dir": "runs/x"'
METERED='"stopped_by": "plan", "run_seconds": 312.5,
 "energy_j": {"cpu": 288.1, "dram": 319.0, "gpu": null, "total": 607.1},
 "method": {"cpu": "estimated", "dram": "estimated", "gpu": "none"},
 "avg_power_w": 1.94, "facility_energy_kwh": 0.000202, "co2e_g": 0.08, "j_per_token": 0.00042'
R=$(mkrun run-de "{$OLD, $METERED, \"pue\": 1.2, \"region\": \"DE\", \"intensity_g_per_kwh\": 380.9,
 \"intensity_source\": \"Ember\", \"budget\": null, \"infer_j_per_1000_seq\": 1.23, \"infer_method\": \"estimated\"}")

expect "$(awk 'BEGIN { printf "%.17g", 607.1 / 3.6e6 }')" 0.00123 1e6 1.2 380.9
json "--run: training from energy_j.total, a use from infer_j_per_1000_seq, the run's PUE and region" "
$near(j['train_kwh'], 607.1 / 3.6e6) and $near(j['infer_j_per_query'], 0.00123)
and $near(j['serve_kwh'], $serve) and $near(j['lifetime_kwh'], $life)
and $near(j['facility_kwh'], $fac) and $near(j['co2e_kg']['total'], $ctotal)
and $near(j['co2e_kg']['train'], $ctrain) and $near(j['breakeven_queries'], $be)
and $near(j['breakeven_queries'], 607.1 / 0.00123) and $near(j['train_share'], $share)
and j['pue'] == 1.2 and j['region'] == 'DE' and j['intensity_g_per_kwh'] == 380.9
and j['run'] == '$R'" --run "$R" --queries 1e6

if run "--run: text report" fp --run "$R" --queries 1000; then
	if printf '%s\n' "$out" | grep -qxF "  run              $R" &&
		printf '%s\n' "$out" | grep -qE '^  intensity +380.9 gCO2e/kWh, Germany \(DE\)$' &&
		printf '%s\n' "$out" | grep -qE '^  break-even +493,577 queries'; then
		ok "--run: text report names the run, its grid and the break-even (493,577)"
	else
		not_ok "--run: text report names the run, its grid and the break-even (493,577)" "$out"
	fi
fi

json "--run: --pue and --region override the run's" \
	"j['pue'] == 1.5 and j['region'] == 'FR' and j['intensity_g_per_kwh'] == 56" \
	--run "$R" --queries 10 --pue 1.5 --region FR
json "--run: --intensity overrides the run's region" \
	"j['region'] is None and j['intensity_g_per_kwh'] == 100 and j['pue'] == 1.2" \
	--run "$R" --queries 10 --intensity 100
json "--run: --infer-j-per-query overrides the run's figure" \
	"j['infer_j_per_query'] == 0.5 and $near(j['breakeven_queries'], 607.1 / 0.5)" \
	--run "$R" --queries 10 --infer-j-per-query 0.5
export LOWWATT_REGION=fr
json "--run: LOWWATT_REGION does not override the run's region" "j['region'] == 'DE'" \
	--run "$R" --queries 10
unset LOWWATT_REGION

R2=$(mkrun run-given "{$OLD, $METERED, \"pue\": 1.0, \"region\": null, \"intensity_g_per_kwh\": 123.4,
 \"intensity_source\": \"a utility's bill\", \"infer_j_per_1000_seq\": 2}")
json "--run: a run with an intensity given (region null) keeps it and its source" "
j['region'] is None and j['intensity_g_per_kwh'] == 123.4
and j['intensity_source'] == \"a utility's bill\" and j['infer_j_per_query'] == 0.002" \
	--run "$R2" --queries 10
R3=$(mkrun run-bare "{$OLD, \"energy_j\": {\"total\": 3.6e6}, \"infer_j_per_1000_seq\": 3600}")
json "--run: no pue or grid in the run: PUE 1 and the world average" "
j['pue'] == 1 and j['region'] == 'world' and j['train_kwh'] == 1 and j['infer_j_per_query'] == 3.6
and $near(j['serve_kwh'], 1) and j['train_share'] == 0.5" --run "$R3" --queries 1e6
R4=$(mkrun run-no-infer "{$OLD, $METERED, \"infer_j_per_1000_seq\": null}")
json "--run: a run without an inference figure, given --infer-j-per-query" \
	"j['infer_j_per_query'] == 0.25" --run "$R4" --queries 10 --infer-j-per-query 0.25

# --------------------------------------------------------------- --run: failures (exit 1)

mkdir -p "$tmp/empty"
expect_error "--run: no summary.json" 1 "^lowwatt footprint: $tmp/empty/summary.json: cannot open" - -- \
	fp --run "$tmp/empty" --queries 1
R5=$(mkrun run-broken '{"arch": "mlm",')
expect_error "--run: summary.json not JSON" 1 "^lowwatt footprint: $R5/summary.json: line [0-9]+ column [0-9]+: " - -- \
	fp --run "$R5" --queries 1
R6=$(mkrun run-array '[1, 2]')
expect_error "--run: summary.json not an object" 1 "$R6/summary.json: not a JSON object$" - -- \
	fp --run "$R6" --queries 1
R7=$(mkrun run-old "{$OLD}")
expect_error "--run: a run that was not metered" 1 \
	"^lowwatt footprint: $R7/summary.json: no energy_j.total: the run was not metered" - -- \
	fp --run "$R7" --queries 1
R8=$(mkrun run-null "{$OLD, \"energy_j\": {\"total\": null}, \"infer_j_per_1000_seq\": 1}")
expect_error "--run: energy_j.total null" 1 "$R8/summary.json: no energy_j.total" - -- \
	fp --run "$R8" --queries 1
expect_error "--run: no inference figure" 1 \
	"^lowwatt footprint: $R4/summary.json: no infer_j_per_1000_seq: run \`lowwatt eval --checkpoint $R4/checkpoint.lwck\` or give --infer-j-per-query$" - -- \
	fp --run "$R4" --queries 1
R9=$(mkrun run-string "{\"energy_j\": {\"total\": \"607\"}, \"infer_j_per_1000_seq\": 1}")
expect_error "--run: energy_j.total a string" 1 "$R9/summary.json: energy_j.total: expected a number >= 0$" - -- \
	fp --run "$R9" --queries 1
R10=$(mkrun run-negative "{\"energy_j\": {\"total\": 5}, \"infer_j_per_1000_seq\": -1}")
expect_error "--run: a negative inference figure" 1 "$R10/summary.json: infer_j_per_1000_seq: expected a number >= 0$" - -- \
	fp --run "$R10" --queries 1
R11=$(mkrun run-pue "{\"energy_j\": {\"total\": 5}, \"infer_j_per_1000_seq\": 1, \"pue\": 0.5}")
expect_error "--run: a PUE out of range" 1 "$R11/summary.json: pue: 0.5, expected 1 to 10$" - -- \
	fp --run "$R11" --queries 1
R12=$(mkrun run-region "{\"energy_j\": {\"total\": 5}, \"infer_j_per_1000_seq\": 1, \"region\": \"XX\"}")
expect_error "--run: an unknown region" 1 "$R12/summary.json: region 'XX': unknown country code" - -- \
	fp --run "$R12" --queries 1

# --------------------------------------------------------------- usage errors (exit 2)

L='--train-kwh 1 --infer-j-per-query 1'
E='expected an energy: a number with J, kJ, MJ, Wh, kWh or MWh'
expect_error "--power with --queries" 2 "^lowwatt footprint: --power does not go with --queries: two modes" - -- \
	fp --power 1 --hours 1 --queries 5
expect_error "--hours with --train-kwh" 2 "--hours does not go with --train-kwh" - -- \
	fp --hours 1 --train-kwh 1
expect_error "--runs with --run" 2 "--runs does not go with --run" - -- fp --runs 3 --run "$R"
expect_error "no --queries" 2 "^lowwatt footprint: missing --queries" - -- fp $L
expect_error "no --queries with --run" 2 "missing --queries" - -- fp --run "$R"
expect_error "no --train-kwh" 2 "missing --train-kwh \(or --run DIR\)" - -- \
	fp --infer-j-per-query 1 --queries 1
expect_error "no --infer-j-per-query" 2 "missing --infer-j-per-query \(or --run DIR\)" - -- \
	fp --train-kwh 1 --queries 1
expect_error "--train-kwh with --run" 2 "^lowwatt footprint: give --train-kwh or --run, not both$" - -- \
	fp --train-kwh 1 --run "$R" --queries 1
Q='expected the number of uses: a whole number >= 0'
expect_error "--queries -5" 2 "^lowwatt footprint: --queries '-5': negative; $Q" - -- fp $L --queries -5
expect_error "--queries 1.5" 2 "--queries '1.5': not a whole number" - -- fp $L --queries 1.5
expect_error "--queries abc" 2 "--queries 'abc': not a number" - -- fp $L --queries abc
expect_error "--queries 0x10" 2 "--queries '0x10': not a number" - -- fp $L --queries 0x10
expect_error "--queries ''" 2 "--queries '': not a number" - -- fp $L --queries ''
expect_error "--queries 1e999" 2 "--queries '1e999': too many" - -- fp $L --queries 1e999
expect_error "--queries 1e16" 2 "--queries '1e16': too many \(at most 1e15\)" - -- fp $L --queries 1e16
expect_error "--train-kwh -1" 2 "^lowwatt footprint: --train-kwh '-1': negative; $E \(kWh if none\)" - -- \
	fp --train-kwh -1 --infer-j-per-query 1 --queries 1
expect_error "--train-kwh 5 parsecs" 2 "--train-kwh '5 parsecs': unknown unit 'parsecs'" - -- \
	fp --train-kwh '5 parsecs' --infer-j-per-query 1 --queries 1
expect_error "--train-kwh nan" 2 "--train-kwh 'nan': not a finite number" - -- \
	fp --train-kwh nan --infer-j-per-query 1 --queries 1
expect_error "--infer-j-per-query -0.1" 2 "--infer-j-per-query '-0.1': negative; $E \(J if none\)" - -- \
	fp --train-kwh 1 --infer-j-per-query -0.1 --queries 1
expect_error "--infer-j-per-query 3 W" 2 "--infer-j-per-query '3 W': unknown unit 'W'" - -- \
	fp --train-kwh 1 --infer-j-per-query '3 W' --queries 1
expect_error "lifetime: --pue 0.5" 2 "--pue '0.5': out of range" - -- fp $L --queries 1 --pue 0.5
expect_error "lifetime: --region with --intensity" 2 "give --region or --intensity, not both" - -- \
	fp $L --queries 1 --region fr --intensity 1
expect_error "--run: a usage error comes before reading the run" 2 "--queries '-1': negative" - -- \
	fp --run "$tmp/no-such-run" --queries -1

if run "--help" fp --help && printf '%s\n' "$out" | grep -q -- '--region' &&
	printf '%s\n' "$out" | grep -q -- '--intensity' && printf '%s\n' "$out" | grep -q -- '--pue' &&
	printf '%s\n' "$out" | grep -q -- '--runs' && printf '%s\n' "$out" | grep -q -- '--train-kwh' &&
	printf '%s\n' "$out" | grep -q -- '--infer-j-per-query' &&
	printf '%s\n' "$out" | grep -q -- '--queries' && printf '%s\n' "$out" | grep -q -- '--run DIR' &&
	printf '%s\n' "$out" | grep -q 'break-even'; then
	ok "--help lists the flags of both modes and says what the second computes"
else
	not_ok "--help lists the flags of both modes and says what the second computes" "$out"
fi

tap_finish
