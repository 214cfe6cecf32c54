#!/usr/bin/env bash
# report_browser.sh — `lowwatt report` end to end, checked in a real
# browser. Two run directories are fabricated as the trainer writes them
# (metrics.csv with the 16 columns of a metered run, 30 rows, estimated CPU
# and DRAM, one with a measured GPU; summary.json), reported one by one and
# together, and each report is opened in headless Chromium (Debian's
# chromium, installed by scripts/setup.sh):
#
#   - a screenshot must come out as a PNG of the window's size;
#   - tests/report_check.js, appended to a COPY of the report (the report
#     has no script of its own), walks every chart after layout and writes
#     its verdict into the DOM, which --dump-dom prints: every series has
#     its points, axes have titles and tick labels, every text lies inside
#     its chart, tick labels do not overlap, legends are there and off the
#     plot. A copy broken on purpose must fail that check.
#
# A search directory is fabricated too (trials.csv and summary.json as
# `lowwatt search` writes them) and its report checked the same way: its
# two charts, a series per rung with a point per finished row, the Pareto
# front, the learning curves.
#
# Also: no script and no URL in a report, the default output paths, and
# the command's errors. Without chromium the test fails (it does not skip).
# Prints TAP.
set -u
LOWWATT=${LOWWATT:-${B:-build}/lowwatt}
case $LOWWATT in /*) ;; *) LOWWATT=$PWD/$LOWWATT ;; esac   # the test changes directory
CHROMIUM=${CHROMIUM:-chromium}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/lowwatt-report-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$here/lib/tap.sh"

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
	not_ok "chromium is installed" "no '$CHROMIUM' on PATH: run scripts/setup.sh"
	tap_finish
	exit 1
fi

# browser ARGS... URL: headless Chromium with a throw-away profile. As root
# Chromium refuses to start without --no-sandbox; the page is our own file.
browser() {
	timeout 30 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$tmp/profile" --hide-scrollbars "$@" 2>>"$tmp/chromium.err"
}

# ---------------------------------------------------------------- runs

# fabricate DIR GPU SEED: a metered run of 30 logged steps (every 5th with
# an evaluation), 2 s apart: CPU ~20 W and DRAM 3 W estimated, and with
# GPU=1 a measured GPU at ~150 W.
fabricate() {
	"$PY" - "$@" <<'EOF'
import json, math, os, sys
d, gpu, seed = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
os.makedirs(d)
rows = ["step,tokens,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_accuracy,"
        "power_w,energy_j,co2e_g,method,cpu_j,dram_j,gpu_j"]
cpu = dram = g = t = 0.0
for i in range(1, 31):
    dt = 2.0
    t += dt
    pc, pd, pg = 20 + 5 * math.sin(i / 3 + seed), 3.0, (150 + 20 * math.cos(i / 4)) if gpu else 0
    cpu += pc * dt; dram += pd * dt; g += pg * dt
    e = cpu + dram + g
    loss = 8 * math.exp(-i / 10) + 3 + 0.2 * seed
    val = "%.6f,%.6f" % (loss + 0.2, 0.1 + i / 100) if i % 5 == 0 else ","
    rows.append("%d,%d,%.6f,0.0002,1.5,20000.0,%.3f,%s,%.3f,%.3f,%.6f,%s,%.3f,%.3f,%s" % (
        10 * i, 40960 * i, loss, t, val, pc + pd + pg, e, e * 1.1 * 381 / 3.6e6,
        "mixed" if gpu else "estimated", cpu, dram, "%.3f" % g if gpu else ""))
open(d + "/metrics.csv", "w").write("\n".join(rows) + "\n")
kg = e * 1.1 * 381 / 3.6e6 / 1000
lbs = kg * 2.20462262185
json.dump({
    "arch": "clm", "vocab": 8192, "layers": 4, "d_model": 192, "heads": 4, "d_ff": 768,
    "seq": 32, "batch": 128, "accum": 1, "params": 3358848, "steps": 300,
    "planned_steps": 300, "tokens": 1228800, "train_loss": loss, "val_loss": loss + 0.2,
    "val_perplexity": math.exp(loss + 0.2), "val_accuracy": 0.4, "seconds": t,
    "stopped_early": False, "run_dir": d, "stopped_by": "plan", "run_seconds": t,
    "energy_j": {"cpu": cpu, "dram": dram, "gpu": g if gpu else None, "total": e},
    "method": {"cpu": "estimated", "dram": "estimated", "gpu": "measured" if gpu else "none"},
    "sources": {"cpu": "estimate (utilisation x 4 W per CPU)", "dram": "estimate (0.375 W/GiB)",
                "gpu": "NVML" if gpu else "none"},
    "avg_power_w": e / t, "facility_energy_kwh": e * 1.1 / 3.6e6, "co2e_g": kg * 1000,
    "j_per_token": e / 1228800, "pue": 1.1, "region": "DE", "intensity_g_per_kwh": 381.0,
    "intensity_source": "Ember (2025); Energy Institute (OWID)",
    "equivalents": {"flights_ny_sf": lbs / 1984, "human_years": lbs / 11023,
                    "american_years": lbs / 36156, "car_lifetimes": lbs / 126000},
    "predicted_energy_j": e * 1.02, "predicted_at_step": 15, "predicted_co2e_g": kg * 1020,
    "predictions": [], "prediction_error": 0.02, "budget": None,
    "infer_j_per_1000_seq": 1.23, "infer_method": "estimated"},
    open(d + "/summary.json", "w"), indent=2)
EOF
}

mkdir -p "$tmp/runs"
fabricate "$tmp/runs/alpha" 0 0 && fabricate "$tmp/runs/beta" 1 1 ||
	not_ok "fabricate two runs" "python failed"

# ---------------------------------------------------------------- reports

# report NAME WANT_PATH ARGS...: lowwatt report ARGS prints "report: WANT_PATH"
# and writes it.
report() {
	local name=$1 want=$2
	shift 2
	if run "$name" lw report "$@"; then
		if [ "$out" = "report: $want" ] && [ -s "$want" ] && [ -z "$err" ]; then
			ok "$name"
		else
			not_ok "$name" "stdout: $out" "stderr: $err" "$(ls -la "$want" 2>&1)"
		fi
	fi
}

report "one run: report written beside its files" "$tmp/runs/alpha/report.html" "$tmp/runs/alpha"
report "one run with a GPU" "$tmp/runs/beta/report.html" "$tmp/runs/beta"
report "two runs, --out" "$tmp/both.html" "$tmp/runs/alpha" "$tmp/runs/beta" --out "$tmp/both.html"
cd "$tmp" || exit 1
report "two runs: ./report.html by default" "./report.html" runs/alpha runs/beta
cd - >/dev/null || exit 1

for f in runs/alpha/report.html runs/beta/report.html both.html; do
	if grep -qiE '<script|https?:|src=|url\(|<link' "$tmp/$f"; then
		not_ok "$f is self-contained" "$(grep -oiE '.{20}(<script|https?:|src=|url\(|<link).{20}' "$tmp/$f" | head -3)"
	else
		ok "$f is self-contained: no script, no URL"
	fi
done

# ---------------------------------------------------------------- screenshot

# screenshot NAME FILE: a PNG of the window's size (1400 x 1800), not blank.
screenshot() {
	local name=$1 file=$2 png=$tmp/shot.png
	rm -f "$png"
	browser --window-size=1400,1800 --screenshot="$png" "file://$file" >/dev/null
	local why
	if why=$("$PY" - "$png" <<'EOF'
import struct, sys
try:
    b = open(sys.argv[1], "rb").read()
except OSError as e:
    print("no screenshot: %s" % e); sys.exit(1)
if b[:8] != b"\x89PNG\r\n\x1a\n":
    print("not a PNG"); sys.exit(1)
w, h = struct.unpack(">II", b[16:24])
if (w, h) != (1400, 1800):
    print("PNG is %dx%d" % (w, h)); sys.exit(1)
if not 20000 < len(b) < 20000000:
    print("PNG of %d bytes: blank?" % len(b)); sys.exit(1)
EOF
	); then
		ok "$name"
	else
		not_ok "$name" "$why" "$(tail -3 "$tmp/chromium.err")"
	fi
}

screenshot "screenshot of one run's report" "$tmp/runs/beta/report.html"
screenshot "screenshot of two runs compared" "$tmp/both.html"

# ---------------------------------------------------------------- DOM

# verdict FILE: the check's JSON for a copy of FILE with report_check.js,
# into $tmp/verdict.json.
verdict() {
	local copy=$tmp/check.html
	cp "$1" "$copy"
	{ echo '<script>'; cat "$here/report_check.js"; echo '</script>'; } >>"$copy"
	browser --window-size=1400,1000 --dump-dom "file://$copy" >"$tmp/dom.html"
	"$PY" - "$tmp/dom.html" >"$tmp/verdict.json" <<'EOF'
import html, json, re, sys
found = re.findall(r'<pre id="report-check">(.*?)</pre>', open(sys.argv[1]).read(), re.S)
print(html.unescape(found[-1]) if found else json.dumps({"ok": False, "charts": [],
      "errors": ["no verdict in the DOM"]}))
EOF
}

# series(c): {name: points} of chart c.
series='(lambda c: {s["name"]: s["points"] for s in c["series"]})'
chart='(lambda id: [c for c in j["charts"] if c["id"] == id][0])'

verdict "$tmp/runs/alpha/report.html"
json_check "DOM: one run's three charts pass the check (points, labels, boxes, legends)" \
	"$tmp/verdict.json" "
j['ok'] and [c['id'] for c in j['charts']] == ['loss-tokens', 'loss-energy', 'power']
and $series($chart('loss-tokens')) == {'training loss': 30, 'validation loss': 6}
and $series($chart('loss-energy')) == {'training loss': 30, 'validation loss': 6}
and $series($chart('power')) == {'CPU (estimated)': 30, 'DRAM (estimated)': 30, 'total': 30}
and $chart('loss-energy')['x']['title'] == 'energy (Wh)'
and $chart('power')['y']['title'] == 'power (W)' and $chart('power')['x']['title'] == 'time (min)'
and all(c['title'] and len(c['x']['ticks']) >= 3 and len(c['y']['ticks']) >= 3 for c in j['charts'])
and $chart('power')['legend'] == ['CPU (estimated)', 'DRAM (estimated)', 'total']"

verdict "$tmp/runs/beta/report.html"
json_check "DOM: the GPU run's power chart has four domains" "$tmp/verdict.json" "
j['ok'] and $series($chart('power')) == {'CPU (estimated)': 30, 'DRAM (estimated)': 30,
                                         'GPU (measured)': 30, 'total': 30}"

verdict "$tmp/both.html"
json_check "DOM: two runs overlaid against energy and tokens" "$tmp/verdict.json" "
j['ok'] and [c['id'] for c in j['charts']] == ['val-loss-energy', 'val-loss-tokens']
and all($series(c) == {'alpha': 6, 'beta': 6} and c['legend'] == ['alpha', 'beta']
        for c in j['charts'])"

# A run whose name needs escaping and is too long for a legend.
odd='run <γ> & "q" with a rather long name, longer than any legend holds'
if fabricate "$tmp/runs/$odd" 0 2; then
	report "a run with an odd name, compared" "$tmp/odd.html" "$tmp/runs/alpha" "$tmp/runs/$odd" \
		--out "$tmp/odd.html"
	verdict "$tmp/odd.html"
	json_check "DOM: an odd run name is escaped, cut short in legends, inside its charts" \
		"$tmp/verdict.json" "
j['ok'] and len(j['charts']) == 2
and all(set($series(c)) == {'alpha', a[0]} for c in j['charts'])
and all(c['legend'][0] == 'alpha' and c['legend'][1].endswith('\u2026')
        and a[0].startswith(c['legend'][1][:-1]) for c in j['charts'])" "$odd"
else
	not_ok "fabricate a run with an odd name"
fi

# The check can fail: a copy with a wrong point count, a label pushed out of
# its chart and two tick labels on one spot.
sed -e '0,/data-points="30"/s//data-points="31"/' \
	-e '0,/<text class="tick-label" x="[0-9.]*"/s//<text class="tick-label" x="5000"/' \
	"$tmp/runs/alpha/report.html" >"$tmp/broken.html"
"$PY" - "$tmp/broken.html" <<'EOF'
import re, sys
p = sys.argv[1]
s = open(p).read()
# the y axis of the first chart: its second tick label onto its first
labels = list(re.finditer(r'<g class="axis" data-axis="y".*?</g>', s, re.S))[0]
ys = re.findall(r'<text class="tick-label" x="([0-9.]+)" y="([0-9.]+)"', labels.group(0))
fixed = labels.group(0).replace('y="%s"' % ys[1][1], 'y="%s"' % ys[0][1], 1)
open(p, "w").write(s.replace(labels.group(0), fixed, 1))
EOF
verdict "$tmp/broken.html"
json_check "DOM: a broken report fails the check" "$tmp/verdict.json" "
not j['ok'] and any('draws 30 line points, data-points 31' in e for e in j['errors'])
and any('leaves the chart' in e for e in j['errors'])
and any('overlap' in e for e in j['errors'])"

# ---------------------------------------------------------------- search

# fabricate_search DIR: the directory of a finished successive-halving search
# (eta 3, 9 to 81 steps) as `lowwatt search` writes it: trials.csv (10
# trials: 9 at rung 0, 3 promoted to rung 1, 1 to rung 2, one failed) and
# summary.json with its Pareto front (4 trials) and the exhaustive estimate.
fabricate_search() {
	"$PY" - "$@" <<'EOF'
import csv, json, math, os, sys
d = sys.argv[1]
os.makedirs(d)
cfgs = [{"d_model": dm, "lr": lr} for dm in (64, 128, 256) for lr in (0.001, 0.003, 0.01)]
cfgs.append({"d_model": 512, "lr": 1.0})
loss = lambda i, s: (3.5 + 4 * math.exp(-s / 40) + abs(math.log10(cfgs[i]["lr"]) + 2.5) * 0.3
                     - cfgs[i]["d_model"] / 1000)
energy = lambda i, s: s * cfgs[i]["d_model"] / 64 * 1.5
up1 = sorted(range(9), key=lambda i: loss(i, 9))[:3]
up2 = sorted(up1, key=lambda i: loss(i, 27))[:1]
rows = []
for i, c in enumerate(cfgs):
    label, cfg = "d_model=%d lr=%g" % (c["d_model"], c["lr"]), json.dumps(c, separators=(",", ":"))
    if i == 9:
        rows.append([i, cfg, 0, 0, "", 0, "none", 0.5, "failed", 0, 0, label, "trials/9"])
        continue
    rungs = [9] + [27] * (i in up1) + [81] * (i in up2)
    for r, s in enumerate(rungs):
        rows.append([i, cfg, r, s, repr(loss(i, s)), energy(i, s), "estimated", s * 0.2,
                     "done" if r == len(rungs) - 1 else "promoted", 0, 0, label, "trials/%d" % i])
with open(d + "/trials.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow("trial config rung steps val_loss energy_j method seconds status bracket worker "
               "label run_dir".split())
    w.writerows(rows)
latest = {r[0]: r for r in rows if r[4] != ""}
front, low = [], float("inf")
for r in sorted(latest.values(), key=lambda r: (r[5], float(r[4]))):
    if float(r[4]) < low:
        low = float(r[4])
        front.append({"trial": r[0], "rung": r[2], "steps": r[3], "val_loss": low,
                      "energy_j": r[5], "label": r[11]})
b, total = latest[up2[0]], sum(r[5] for r in latest.values())
every = sum(energy(i, 81) for i in range(10))
kwh, lbs = total * 1.1 / 3.6e6, total * 1.1 / 3.6e6 * 0.48 * 2.20462262185
json.dump({"strategy": "sh", "min_steps": 9, "max_steps": 81, "eta": 3, "seed": 1,
    "space": "space.json", "configurations": 10, "status": "finished", "seconds": 123.4,
    "best": {"trial": b[0], "rung": b[2], "steps": b[3], "val_loss": float(b[4]), "energy_j": b[5],
             "label": b[11], "config": cfgs[b[0]], "run_dir": b[12]},
    "pareto_front": front, "energy_j": total, "method": "estimated", "facility_energy_kwh": kwh,
    "co2e_g": kwh * 480, "pue": 1.1, "region": "world", "intensity_g_per_kwh": 480.0,
    "intensity_source": "Ember (2025)",
    "equivalents": {"flights_ny_sf": lbs / 1984, "human_years": lbs / 11023,
                    "american_years": lbs / 36156, "car_lifetimes": lbs / 126000},
    "exhaustive": {"configurations": 10, "basis": "grid", "energy_j": every,
                   "co2e_g": every * 1.1 / 3.6e6 * 480, "ratio": total / every},
    "budget": None, "trials_csv": "trials.csv"}, open(d + "/summary.json", "w"), indent=2)
EOF
}

if fabricate_search "$tmp/search"; then
	report "a search: report written beside its files" "$tmp/search/report.html" "$tmp/search"
	report "a search, --out" "$tmp/search.html" "$tmp/search" --out "$tmp/search.html"
	if grep -qiE '<script|https?:|src=|url\(|<link' "$tmp/search/report.html"; then
		not_ok "search/report.html is self-contained" "$(grep -oiE '.{20}(<script|https?:|src=|url\(|<link).{20}' "$tmp/search/report.html" | head -3)"
	else
		ok "search/report.html is self-contained: no script, no URL"
	fi
	if grep -q 'This search used <strong>24.9 %</strong> of it' "$tmp/search/report.html"; then
		ok "the search report says what share of an exhaustive search it used"
	else
		not_ok "the search report says what share of an exhaustive search it used"
	fi
	screenshot "screenshot of a search's report" "$tmp/search/report.html"
	verdict "$tmp/search/report.html"
	json_check "DOM: a search's two charts: a series per rung, the front, learning curves" \
		"$tmp/verdict.json" "
j['ok'] and [c['id'] for c in j['charts']] == ['search-loss-energy', 'search-loss-steps']
and $series($chart('search-loss-energy')) == {'rung 0: 9 steps': 9, 'rung 1: 27 steps': 3,
                                              'rung 2: 81 steps': 1, 'Pareto front': 4}
and $series($chart('search-loss-steps')) == {'reached rung 0': 6, 'reached rung 1': 4,
                                             'reached rung 2': 3, 'best (trial 7)': 3}
and all(c['legend'] == [s['name'] for s in c['series']] for c in j['charts'])
and $chart('search-loss-energy')['x']['title'] == 'energy (Wh)'
and $chart('search-loss-steps')['x']['title'] == 'training steps'
and all(len(c['x']['ticks']) >= 3 and len(c['y']['ticks']) >= 3 for c in j['charts'])"
else
	not_ok "fabricate a search directory" "python failed"
fi

expect_error "a search with a run: one line, nothing written" 1 \
	'/search is a search directory \(it holds trials.csv\): report it alone' "$tmp/mixed.html" \
	-- lw report "$tmp/runs/alpha" "$tmp/search" --out "$tmp/mixed.html"
mkdir -p "$tmp/halfsearch" && cp "$tmp/search/trials.csv" "$tmp/halfsearch/"
expect_error "a search without summary.json" 1 'halfsearch/summary.json: cannot open' \
	"$tmp/halfsearch/report.html" -- lw report "$tmp/halfsearch"

# ---------------------------------------------------------------- errors

mkdir -p "$tmp/notarun"
expect_error "no run directory: usage" 2 'expected one or more run directories' - \
	-- lw report
expect_error "a directory that is not a run" 1 'notarun: not a run directory' \
	"$tmp/notarun/report.html" -- lw report "$tmp/notarun"
expect_error "an unknown flag" 2 'unknown|--bogus' - -- lw report "$tmp/runs/alpha" --bogus
expect_error "an output that cannot be written" 1 'absent/dir/r.html' "$tmp/absent" \
	-- lw report "$tmp/runs/alpha" --out "$tmp/absent/dir/r.html"
if no_temporaries "$tmp"; then
	ok "no temporary file left anywhere"
else
	not_ok "no temporary file left anywhere" "$(find "$tmp" -name '*.tmp.*')"
fi

tap_finish
