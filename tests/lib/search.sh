# search.sh — what the search tests share (sourced by tests/search_*.sh
# after tap.sh and tiny_corpus.sh, with the tiny corpus in $tmp): their
# search spaces and ledger_check.
#
# space FILE [EXTRA]: 6 tiny configurations (d_model 16, 32 x lr 0.001,
# 0.003, 0.01); EXTRA is JSON text spliced in after the dimensions.
# larger_space FILE: the same settings for one larger model (2 layers,
# d_model 128, d_ff 512, seq 64, batch 32) whose trials last seconds, for
# the tests that stop one with a signal.
tiny_base='"layers": 1, "heads": 2, "d_ff": 32, "seq": 16, "batch": 4, "eval_batches": 2,
 "threads": 1, "warmup": 2, "eval_every": 1000, "save_every": 1000'
space() {
	printf '{"base": {%s, "data": "%s", "tokenizer": "%s"},\n "d_model": [16, 32], "lr": [0.001, 0.003, 0.01]%s}\n' \
		"$tiny_base" "$tmp/data" "$tmp/tok.lwtok" "${2:-}" >"$1"
}
larger_space() {
	space "$1.tiny" &&
		sed -e 's/"layers": 1/"layers": 2/' \
			-e 's/"d_ff": 32, "seq": 16, "batch": 4/"d_ff": 512, "seq": 64, "batch": 32/' \
			-e 's/"d_model": \[16, 32\]/"d_model": [128]/' "$1.tiny" >"$1" &&
		rm -f "$1.tiny"
}

# ledger_check NAME DIR EXPR: EXPR (Python) over rows = DIR/trials.csv's
# rows (dicts), last = each trial's last row, s = DIR/summary.json, and
#   key(r)       a row's trial, rung, steps, val_loss, energy_j, seconds
#   same(path)   the rows' (trial, rung, status, val_loss) are another
#                ledger's
#   kept(path)   every row finished in that ledger is in this one unchanged
#                (its status may have moved on from done to promoted)
#   rung_j_max() the most energy one rung added to its trial's row
ledger_check() {
	local why
	if why=$("$PY" - "$2" "$3" <<'EOF' 2>&1
import csv, json, math, sys
d, expr = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(d + "/trials.csv")))
s = json.load(open(d + "/summary.json"))
last = {}
for r in rows:
    last[r["trial"]] = r
def key(r):
    return (r["trial"], r["rung"], r["steps"], r["val_loss"], r["energy_j"], r["seconds"])
def same(path):
    k = lambda r: (r["trial"], r["rung"], r["status"], r["val_loss"])
    return [k(r) for r in rows] == [k(r) for r in csv.DictReader(open(path))]
def kept(before):
    now = {key(r) for r in rows}
    return all(key(r) in now for r in csv.DictReader(open(before))
               if r["status"] in ("done", "promoted"))
def rung_j_max():
    prev, most = {}, 0.0
    for r in rows:
        e = float(r["energy_j"])
        most = max(most, e - prev.get(r["trial"], 0.0))
        prev[r["trial"]] = e
    return most
if not eval("(" + expr + "\n)"):
    print("false: " + expr)
    print(json.dumps({k: s[k] for k in ("status", "energy_j", "hosts") if k in s}))
    for r in rows:
        print(r["trial"], r["rung"], r["steps"], r["status"], r["val_loss"], r["energy_j"],
              r["seconds"], r["worker"])
    sys.exit(1)
EOF
	); then ok "$1"; else not_ok "$1" "$why"; fi
}
