#!/usr/bin/env bash
# Renders the benchmark charts (PNG) from an intentq-bench --json file with gnuplot:
#   bench/plot.sh FIGURES.json [OUTDIR] [history]     (OUTDIR defaults to docs/img)
# relay.png (jobs/s vs workers against the raw relay), latency.png (round-trip percentiles),
# soak_rss.png (resident memory over the soak), summary_scaling.png (summary jobs/s vs workers,
# budget off), budget.png (summary jobs/s under the gateway budget, with and without reuse) and
# history.png (IB's historical rules: violations and useful bars/s, intentq against the peers).
# A figure the run could not measure (null) is left out of its chart.
set -euo pipefail
json=${1:?usage: bench/plot.sh FIGURES.json [OUTDIR] [history]}
out=${2:-docs/img}
only=${3:-all}  # "history": only history.png (from a `--only history` run's file)
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not found (Debian: gnuplot-nox)" >&2; exit 1; }
mkdir -p "$out"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

# JSON -> whitespace-separated data files ("NaN" for a missing figure; gnuplot skips it).
python3 - "$json" "$data" <<'PY'
import json, sys, os
j = json.load(open(sys.argv[1])); d = sys.argv[2]
def v(x):
    return "NaN" if x is None else str(x)
def get(node, *path):
    for k in path:
        if not isinstance(node, dict) or k not in node: return None
        node = node[k]
    return node
with open(os.path.join(d, "relay.dat"), "w") as f:
    f.write("# workers raw intentq opaque\n")
    for w in ("1", "2", "4"):
        f.write(" ".join([w, v(get(j, "relay", "raw_jobs_per_s_by_workers", w)),
                          v(get(j, "relay", "jobs_per_s", w)),
                          v(get(j, "relay", "opaque_jobs_per_s", w))]) + "\n")
with open(os.path.join(d, "latency.dat"), "w") as f:
    f.write("# path p50 p99 p999\n")
    for label, p in (("raw-echo", "raw_"), ("raw-relay", "raw_relay_"), ("broker", ""),
                     ("broker+worker-echo", "worker_echo_")):
        f.write(" ".join([label] + [v(get(j, "rtt", p + q)) for q in ("p50_us", "p99_us", "p999_us")]) + "\n")
with open(os.path.join(d, "soak.dat"), "w") as f:
    f.write("# jobs broker worker\n")
    for s in get(j, "soak", "samples") or []:
        f.write(f"{s['jobs']} {v(s.get('broker_rss_mb'))} {v(s.get('worker_rss_mb'))}\n")
with open(os.path.join(d, "scaling.dat"), "w") as f:
    f.write("# workers jobs ideal\n")
    one = get(j, "summary", "jobs_per_s", "1")
    for w in ("1", "2", "4", "8", "16"):
        f.write(" ".join([w, v(get(j, "summary", "jobs_per_s", w)),
                          v(one * int(w) if isinstance(one, (int, float)) else None)]) + "\n")
with open(os.path.join(d, "budget.dat"), "w") as f:
    f.write("# run jobs\n")
    rows = [("ceiling(45/cost)", get(j, "summary", "budget", "ceiling_jobs_per_s")),
            ("budget-on", get(j, "summary", "budget", "jobs_per_s")),
            ("reuse-max_age_0", get(j, "summary", "reuse", "fresh", "jobs_per_s")),
            ("reuse-max_age_1000", get(j, "summary", "reuse", "jobs_per_s"))]
    for label, x in rows:
        f.write(f"{label} {v(x)}\n")
    # gnuplot cannot plot a histogram without one number: say so on the chart instead.
    open(os.path.join(d, "budget_measured"), "w").write(
        "1" if any(isinstance(x, (int, float)) for _, x in rows[1:]) else "0")
with open(os.path.join(d, "history.dat"), "w") as f:
    f.write("# run violations bars_per_s answered_pct\n")
    runs = [("intentq", get(j, "history", "intentq")),
            ("no-pacing", get(j, "history", "baselines", "none")),
            ("Lean-58/window", get(j, "history", "baselines", "lean")),
            ("0.5s-gap", get(j, "history", "baselines", "gap"))]
    for label, r in runs:
        r = r if isinstance(r, dict) else {}
        chunks, answered = r.get("chunks"), r.get("chunks_answered")
        pct = 100.0 * answered / chunks if isinstance(chunks, int) and chunks and isinstance(answered, int) else None
        f.write(f"{label} {v(r.get('violations'))} {v(r.get('useful_bars_per_s'))} {v(pct)}\n")
    # A file from a run without the history scenario leaves history.png as it is.
    open(os.path.join(d, "history_measured"), "w").write(
        "1" if isinstance(get(j, "history", "intentq", "violations"), (int, float)) else "0")
PY
budget_measured=$(cat "$data/budget_measured")

if [ "$only" != history ]; then
gnuplot <<GP
set terminal pngcairo size 900,520 font "sans,10" noenhanced
set datafile missing "NaN"
set key top left
set grid ytics

set output "$out/relay.png"
set title "relay: jobs/s vs no-op workers (4 pipelined clients x 200 in flight)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xlabel "workers"
set ylabel "jobs/s"
set yrange [0:*]
plot "$data/relay.dat" using 2:xtic(1) title "raw ROUTER/ROUTER relay", \
     "" using 3 title "intentq-broker, envelopes, defaults", \
     "" using 4 title "intentq-broker, opaque MDP"

set output "$out/latency.png"
set title "round trip, one synchronous client (microseconds, log scale)"
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "us"
plot "$data/latency.dat" using 2:xtic(1) title "p50", "" using 3 title "p99", "" using 4 title "p99.9"
unset logscale y

set output "$out/soak_rss.png"
set title "soak: resident memory vs echo jobs served"
set style data linespoints
set xlabel "jobs"
set ylabel "RSS (MiB)"
set yrange [0:*]
set format x "%.0s%c"
plot "$data/soak.dat" using 1:2 title "intentq-broker", "" using 1:3 title "intentq-worker"
set format x "%g"

set output "$out/summary_scaling.png"
set title "summary at 20 ms per answer: jobs/s vs workers, gateway budget off"
set xlabel "workers"
set ylabel "jobs/s"
set logscale x 2
plot "$data/scaling.dat" using 1:2 title "measured" with linespoints, \
     "" using 1:3 title "linear (1 worker x n)" with lines dashtype 2
unset logscale x

set output "$out/budget.png"
set title "summary under the gateway budget (IB 50 msg/s, workers announce 45)"
set style data histogram
set style histogram clustered
set xlabel ""
set ylabel "jobs/s (log scale)"
set logscale y
set yrange [1:*]
if ($budget_measured) {
  plot "$data/budget.dat" using 2:xtic(1) title "jobs/s"
} else {
  unset logscale y
  set label 1 "not measured in this run (see the JSON's skipped list)" at graph 0.5, 0.5 center
  plot [0:1] [0:1] NaN notitle
}
GP
fi

if [ "$(cat "$data/history_measured")" = 1 ]; then
gnuplot <<GP
set datafile missing "NaN"
set grid ytics
set terminal pngcairo size 1100,460 font "sans,10" noenhanced
set output "$out/history.png"
set multiplot layout 1,3 title "history: 4 services downloading one-minute bars on one IB login (IB's historical rules, time-scaled)"
unset logscale y
set yrange [0:*]
set style data histogram
set style histogram clustered
set style fill solid 0.8 border -1
set key off
set xtics rotate by -20
set title "pacing violations (simulator)"
set ylabel "requests refused (162)"
plot "$data/history.dat" using 2:xtic(1) linecolor rgb "#c0392b", \
     "" using 0:2:(sprintf("%.0f", \$2)) with labels offset 0,0.8
set title "chunks answered"
set ylabel "% of the chunks"
set yrange [0:112]
plot "$data/history.dat" using 4:xtic(1) linecolor rgb "#2c7fb8", \
     "" using 0:4:(sprintf("%.0f %%", \$4)) with labels offset 0,0.8
set title "useful bars/s (until done or given up)"
set ylabel "bars/s"
set yrange [0:*]
plot "$data/history.dat" using 3:xtic(1) linecolor rgb "#27ae60"
unset multiplot
GP
fi

written=""
[ "$only" = history ] || written="relay.png latency.png soak_rss.png summary_scaling.png budget.png"
[ "$(cat "$data/history_measured")" = 1 ] && written="$written history.png"
echo "plot.sh: wrote in $out:$written"
