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
