// GET /: the dashboard, one static page compiled into the program (no build chain, no CDN: it
// works offline). It reads one event stream, GET /v1/stream/stats (a `snapshot`, then a `stats`
// event every second), and draws workers, gateways, queues, the last 15 minutes and the last 100
// results from it. The stream is read with fetch() rather than EventSource so that a bearer token
// can be sent (EventSource cannot set headers). Element ids and classes are what
// tests/http/dashboard_test.py looks for.
#include "http/static_content.hpp"

namespace intentq::http {

std::string_view dashboard_html() {
  static constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>intentq</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
header{background:#1d232b;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header h1{font-size:18px;margin:0}
.badge{padding:2px 8px;border-radius:10px;font-size:12px;background:#666}
.up{background:#1f8f4e;color:#fff}.down{background:#c23b22;color:#fff}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px;padding:12px}
section.wide{grid-column:1/-1}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 12px;overflow:auto}
h2{font-size:15px;margin:4px 0 8px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eef0f2;white-space:nowrap}
th{font-weight:600;color:#555}td.num{text-align:right;font-variant-numeric:tabular-nums}
.st-ok{color:#1f8f4e}.st-error{color:#c23b22}
td.full{color:#c23b22;font-weight:600}
canvas{width:100%;height:120px;display:block}
.muted{color:#777;font-size:12px}
pre{background:#f0f2f4;padding:6px;max-height:240px;overflow:auto;font-size:12px}
</style></head>
<body>
<header><h1>intentq</h1>
<span>broker <span id="broker-status" class="badge">connecting</span></span>
<span class="muted" id="broker-address"></span>
<span class="muted">workers <b id="worker-count">-</b></span>
<span class="muted">stream <span id="stream-status" class="badge">connecting</span></span>
<label class="muted"><input type="checkbox" id="unmask"> show account numbers</label>
</header>
<main>
<section class="wide"><h2>Workers</h2>
<table id="workers"><thead><tr><th>name</th><th>clientId</th><th>jobs done</th><th>gateway</th><th>session</th><th>busy</th><th>accounts</th><th>reconnects</th><th>session age</th></tr></thead><tbody></tbody></table>
<p class="muted">Workers per intent are in Queues. Jobs done per worker: the broker's mmi.stats does not report it.</p></section>
<section class="wide"><h2>Gateways</h2>
<table id="gateways"><thead><tr><th>gateway</th><th>state</th><th>workers</th><th>budget msg/s</th><th>used last s</th><th>charged</th><th>waiting</th><th title="IB historical pacing: weighted requests in the window / limit (window length)">historical window</th><th title="historical requests running now / limit">hist open</th><th title="jobs queued for a historical slot or worker">hist queued</th><th title="until one more historical request fits">next slot</th></tr></thead><tbody></tbody></table>
<p class="muted">Historical columns: only for a gateway with workers of historical intents (IB's pacing of historical data, per login).</p></section>
<section><h2>Queues</h2>
<table id="queues"><thead><tr><th>intent</th><th>workers</th><th>busy</th><th>idle</th><th>queued</th><th>queued bytes</th><th title="queue wait over the intent's last 256 results">wait p50 / p99</th></tr></thead><tbody></tbody></table></section>
<section><h2>Last 15 minutes</h2>
<div class="muted">jobs/s (results published) <b id="rate-now">0</b></div><canvas id="chart-rate" width="900" height="120"></canvas>
<div class="muted">error ratio <b id="errors-now">0</b></div><canvas id="chart-errors" width="900" height="120"></canvas></section>
<section><h2>Recent results <span class="muted" id="results-count">0</span></h2>
<table id="results"><thead><tr><th>time</th><th>id</th><th>intent</th><th>status</th><th>latency ms</th><th>worker</th><th>accounts</th></tr></thead><tbody></tbody></table></section>
<section><h2>Job lookup</h2>
<form id="lookup"><input id="job-id" placeholder="job id" size="40"> <button>look up</button></form>
<pre id="lookup-out"></pre>
<h2>This front</h2><div class="muted" id="front"></div></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("intentq-token") || "";
let results = [];        // newest last, at most 100
let series = new Map();  // epoch second -> [ok, error]
let last = null;         // last state received

function headers() { return token ? {Authorization: "Bearer " + token} : {}; }
function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => "&#" + c.charCodeAt(0) + ";"); }
function mask(a) { return $("unmask").checked || a.length <= 4 ? a : a.slice(0, 2) + "\u2022".repeat(a.length - 4) + a.slice(-2); }
function accounts(list) { return (list || []).map(mask).join(", "); }
function badge(el, up, text) { el.textContent = text; el.className = "badge " + (up ? "up" : "down"); }
function row(cells, attrs) { return "<tr " + (attrs || "") + ">" + cells.join("") + "</tr>"; }
function td(v, cls) { return "<td" + (cls ? " class=\"" + cls + "\"" : "") + ">" + esc(v) + "</td>"; }

// A gateway's historical window (mmi.stats gateways.<id>.historical, present only for a gateway
// with historical workers): four cells, "-" without one.
function seconds(ms) { return ms >= 10000 ? Math.round(ms / 1000) + " s" : (ms / 1000).toFixed(1) + " s"; }
function historical(h) {
  if (!h) return ["hist-window", "hist-open", "hist-queued", "hist-next"].map(c => td("-", "num " + c));
  const full = h.requests >= h.limit || h.open >= h.open_limit;
  return [td(h.requests + " / " + h.limit + " in " + seconds(h.window_ms), "num hist-window" + (full ? " full" : "")),
    td(h.open + " / " + h.open_limit, "num hist-open"), td(h.queued, "num hist-queued"),
    td(h.next_slot_ms ? "in " + seconds(h.next_slot_ms) : "now", "num hist-next")];
}

function render() {
  const s = last;
  if (!s) return;
  const stats = s.stats;
  badge($("broker-status"), s.broker_up, s.broker_up ? "up" : "unreachable");
  $("broker-address").textContent = s.broker;
  $("front").textContent = "connections " + s.http.connections + ", event streams " + s.http.sse_clients +
    ", jobs waiting " + s.http.jobs_pending + ", replies kept " + s.http.store_entries;
  const gw = (stats && stats.gateway_workers) || [];
  $("worker-count").textContent = stats ? stats.workers : "-";
  $("workers").tBodies[0].innerHTML = gw.map(w => row([td(w.name || ""), td(w.client_id), td(w.jobs_done || 0, "num"), td(w.gateway),
      "<td class=\"session session-" + esc(w.session) + "\">" + esc(w.session) + "</td>", td(w.busy ? "yes" : "no"),
      td(accounts(w.accounts)), td(w.reconnects, "num"), td(Math.round((w.session_age_ms || 0) / 1000) + " s", "num")],
      "class=\"worker\" data-client-id=\"" + esc(w.client_id) + "\"")).join("");
  const gws = (stats && stats.gateways) || {};
  $("gateways").tBodies[0].innerHTML = Object.keys(gws).sort().map(name => {
    const g = gws[name];
    const up = gw.some(w => w.gateway === name && w.session === "up");
    return row([td(name), "<td class=\"state " + (up ? "up" : "down") + "\">" + (up ? "up" : "down") + "</td>",
      td(g.workers, "num"), td(g.budget, "num"), td(g.used_last_second, "num"), td(g.charged, "num"), td(g.waiting, "num"), ...historical(g.historical)],
      "class=\"gateway\" data-gateway=\"" + esc(name) + "\"");
  }).join("");
  const svcs = (stats && stats.services) || {};
  $("queues").tBodies[0].innerHTML = Object.keys(svcs).sort().map(name => {
    const q = svcs[name];
    const w = (s.waits || {})[name];
    const wait = w ? w.p50 + " / " + w.p99 + " ms" : "-";
    return row([td(name), td(q.workers, "num"), td(q.busy, "num"), td(q.idle, "num"), td(q.queued, "num"),
      td(q.queued_bytes, "num"), td(wait, "num")], "class=\"queue\" data-intent=\"" + esc(name) + "\"");
  }).join("");
  $("results-count").textContent = results.length;
  $("results").tBodies[0].innerHTML = results.slice().reverse().map(r => row([
      td(new Date(r.time_ms).toLocaleTimeString()), td(r.id), td(r.intent),
      "<td class=\"st-" + esc(r.status) + "\">" + esc(r.status) + (r.code ? " " + esc(r.code) : "") + "</td>",
      td(r.latency_ms ?? "", "num"), td(r.worker), td(accounts(r.accounts))],
      "class=\"result\" data-id=\"" + esc(r.id) + "\"")).join("");
  drawCharts();
}

function drawChart(canvas, values, max, colour) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = "#dde1e6"; ctx.beginPath(); ctx.moveTo(0, h - 0.5); ctx.lineTo(w, h - 0.5); ctx.stroke();
  ctx.fillStyle = colour;
  const bw = w / values.length;
  values.forEach((v, i) => { const bh = max > 0 ? (v / max) * (h - 10) : 0; ctx.fillRect(i * bw, h - bh, Math.max(bw, 1), bh); });
  ctx.fillStyle = "#555"; ctx.font = "11px sans-serif"; ctx.fillText("max " + (Math.round(max * 100) / 100), 4, 11);
}

function drawCharts() {
  const now = Math.floor(Date.now() / 1000);
  for (const k of series.keys()) if (k < now - 900) series.delete(k);
  const rate = [], ratio = [];
  for (let t = now - 899; t <= now; t++) {
    const [ok, err] = series.get(t) || [0, 0];
    rate.push(ok + err);
    ratio.push(ok + err ? err / (ok + err) : 0);
  }
  drawChart($("chart-rate"), rate, Math.max(1, ...rate), "#3366cc");
  drawChart($("chart-errors"), ratio, 1, "#c23b22");
  const lastFull = series.get(now - 1) || [0, 0];
  $("rate-now").textContent = lastFull[0] + lastFull[1];
  $("errors-now").textContent = lastFull[0] + lastFull[1] ? (lastFull[1] / (lastFull[0] + lastFull[1])).toFixed(3) : "0";
}

function addResults(list) {
  const known = new Set(results.map(r => r.seq));
  for (const r of list || []) if (!known.has(r.seq)) results.push(r);
  if (results.length > 100) results = results.slice(-100);
}

function onEvent(name, data) {
  const s = JSON.parse(data);
  if (name === "snapshot") {
    results = [];
    series = new Map();
    for (const [t, ok, err] of s.series || []) series.set(t, [ok, err]);
  }
  if (s.point) series.set(s.point[0], [s.point[1], s.point[2]]);
  addResults(s.results);
  last = s;
  render();
}

// Server-Sent Events over fetch: the same text/event-stream format EventSource reads.
async function stream() {
  for (;;) {
    try {
      const res = await fetch("/v1/stream/stats", {headers: headers(), cache: "no-store"});
      if (res.status === 401) {
        badge($("stream-status"), false, "token needed");
        const t = prompt("This intentq-http asks for a bearer token:");
        if (t !== null) { token = t.trim(); sessionStorage.setItem("intentq-token", token); }
        await new Promise(r => setTimeout(r, 1000));
        continue;
      }
      if (!res.ok) throw new Error("HTTP " + res.status);
      badge($("stream-status"), true, "live");
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = "";
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buf += decoder.decode(value, {stream: true});
        let end;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, end); buf = buf.slice(end + 2);
          let name = "message", data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) name = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (data) onEvent(name, data);
        }
      }
    } catch (e) { /* retried below */ }
    badge($("stream-status"), false, "reconnecting");
    await new Promise(r => setTimeout(r, 2000));
  }
}

$("unmask").addEventListener("change", render);
$("lookup").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const id = $("job-id").value.trim();
  if (!id) return;
  $("lookup-out").textContent = "...";
  try {
    const res = await fetch("/v1/jobs/" + encodeURIComponent(id), {headers: headers()});
    $("lookup-out").textContent = res.status + "\n" + JSON.stringify(await res.json(), null, 2);
  } catch (e) { $("lookup-out").textContent = String(e); }
});
setInterval(drawCharts, 1000);
stream();
</script></body></html>
)html";
  return kPage;
}

}  // namespace intentq::http
