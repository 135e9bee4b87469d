// Conformance of intentq-gwsim with an independent TWS API client: @stoqey/ib (pinned in
// package.json), which offers server versions v100..193 and decodes every message with its own
// field-by-field decoder (it reports any field-count mismatch as an error event).
//
// The test starts the simulator itself on a free port with scenario.json, connects with
// @stoqey/ib and compares everything it receives with the scenario it loads itself:
// positions, account summary, executions + commission reports, all/own open orders + status,
// contract details (and error 200 for an unknown contract), current time; then the fault
// cases: a duplicate clientId gets 326 (and the first client keeps working), and a client that
// exceeds 50 messages/s gets error 100.
//
// Market data (issue 19): a second simulator, frozen at one market time, answers historical bars
// (TRADES, MIDPOINT, BID_ASK, daily; epoch and text dates), a head timestamp and a snapshot to
// @stoqey/ib at v193 (its highest version: HISTORICAL_DATA carrying its range, the layout of
// every version below 196) and to intentq's gateway session through gw_market_data_probe at v195
// and v200 (HISTORICAL_DATA + HISTORICAL_DATA_END); every value must match field by field.
// @stoqey/ib cannot negotiate 195 or 200 itself (no released version goes past 193).
//
// Usage: node gwsim_conformance.mjs [path/to/intentq-gwsim] [path/to/gw_market_data_probe]
//        (defaults: ../../build/bin/...; the probe next to the simulator)
// Exit code 0 = all checks passed. Every wait is bounded; the simulator is stopped at the end.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let IBApi, EventName;
try {
  ({ IBApi, EventName } = require("@stoqey/ib"));
} catch {
  // ctest maps exit code 77 to "skipped" (SKIP_RETURN_CODE in tests/sim.cmake).
  console.log("SKIP: @stoqey/ib is not installed; run `npm ci` in tests/conformance (scripts/test.sh does)");
  process.exit(77);
}

const WAIT_MS = 10000; // bound for every single wait
const CLIENT_ID = 7;
const scenario = JSON.parse(readFileSync(join(here, "scenario.json"), "utf8"));

let passed = 0;
function check(name, fn) {
  fn();
  passed += 1;
  console.log(`ok - ${name}`);
}

// ---------- the simulator process ----------

function startSimulator(binary, args) {
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d.toString()));
  const ready = new Promise((resolveReady, rejectReady) => {
    const timer = setTimeout(
      () => rejectReady(new Error(`simulator not ready within ${WAIT_MS} ms; stderr:\n${stderr}`)),
      WAIT_MS,
    );
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^listening on (.+):(\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolveReady({ host: m[1], port: Number(m[2]) });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      rejectReady(new Error(`simulator exited early (code ${code}); stderr:\n${stderr}`));
    });
  });
  return { child, ready, stderr: () => stderr };
}

function stopSimulator(sim) {
  return new Promise((resolveStop) => {
    if (sim.child.exitCode !== null) return resolveStop(sim.child.exitCode);
    const timer = setTimeout(() => sim.child.kill("SIGKILL"), WAIT_MS);
    sim.child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolveStop(signal ? signal : code);
    });
    sim.child.kill("SIGTERM");
  });
}

// ---------- event helpers ----------

// Resolves with the args of the first `event` whose args satisfy `pred`; rejects after WAIT_MS.
function waitFor(api, event, pred = () => true, what = event) {
  return new Promise((resolveWait, rejectWait) => {
    const onEvent = (...args) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      api.off(event, onEvent);
      resolveWait(args);
    };
    const timer = setTimeout(() => {
      api.off(event, onEvent);
      rejectWait(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`));
    }, WAIT_MS);
    // The loser of a Promise.race (waitForCode) must not keep the process alive.
    timer.unref();
    api.on(event, onEvent);
  });
}

// Collects `item` events until `end` (both filtered by pred), then resolves with the list.
function collect(api, item, end, pred = () => true, endPred = () => true) {
  const items = [];
  const onItem = (...args) => {
    if (pred(...args)) items.push(args);
  };
  api.on(item, onItem);
  return waitFor(api, end, endPred, end).then(
    () => {
      api.off(item, onItem);
      return items;
    },
    (e) => {
      api.off(item, onItem);
      throw e;
    },
  );
}

// Collects the `item` events of request `reqId` until its `end` event.
function collectFor(api, item, end, reqId) {
  return collect(api, item, end, (id) => id === reqId, (id) => id === reqId);
}

// An error or info event (id -1 errors arrive as "info" in @stoqey/ib) with this code.
function waitForCode(api, code, what) {
  return Promise.race([
    waitFor(api, EventName.error, (_err, c) => c === code, what).then(([err, c, id]) => ({
      message: err.message,
      code: c,
      id,
    })),
    waitFor(api, EventName.info, (_msg, c) => c === code, what).then(([msg, c]) => ({
      message: msg,
      code: c,
      id: -1,
    })),
  ]);
}

async function connect(port, clientId, options = {}) {
  const api = new IBApi({ host: "127.0.0.1", port, clientId, ...options });
  const errors = [];
  api.on(EventName.error, (err, code, id) => errors.push({ message: err.message, code, id }));
  const accounts = waitFor(api, EventName.managedAccounts);
  const nextId = waitFor(api, EventName.nextValidId);
  api.connect();
  const [[accountList], [orderId]] = await Promise.all([accounts, nextId]);
  return { api, errors, accountList, orderId };
}

// ---------- expected values from the scenario (the simulator's JSON format, see docs) ----------

// How @stoqey/ib represents a scenario contract after decoding (its own conventions: strike and
// multiplier as numbers, empty -> 0, right only C/P, a blank right is undefined).
function expectedContract(c) {
  return {
    conId: c.con_id ?? 0,
    symbol: c.symbol ?? "",
    secType: c.sec_type ?? "",
    lastTradeDateOrContractMonth: c.last_trade_date || undefined,
    strike: c.strike ?? 0,
    right: c.right || undefined,
    multiplier: Number(c.multiplier || 0),
    exchange: c.exchange ?? "",
    currency: c.currency ?? "",
    localSymbol: c.local_symbol ?? "",
    tradingClass: c.trading_class ?? "",
  };
}

function pick(obj, keys) {
  return Object.fromEntries(keys.map((k) => [k, obj[k]]));
}
const CONTRACT_KEYS = Object.keys(expectedContract({}));
// The decoded contract in the shape of expectedContract(). @stoqey/ib leaves a blank
// lastTradeDateOrContractMonth as "" in some messages and undefined in others.
function gotContract(c) {
  const out = pick(c, CONTRACT_KEYS);
  out.lastTradeDateOrContractMonth ||= undefined;
  return out;
}

// The execution filter rules of docs/gateway.md, written independently of the C++ ones.
function filterExecutions(f) {
  const side = { BUY: "BOT", SELL: "SLD" }[f.side] ?? f.side;
  return scenario.executions.filter(({ execution: e }) => {
    if (f.clientId && e.client_id !== f.clientId) return false;
    if (f.acctCode && e.account !== f.acctCode) return false;
    if (f.symbol && e.contract.symbol !== f.symbol) return false;
    if (f.secType && e.contract.sec_type !== f.secType) return false;
    if (f.exchange && e.exchange !== f.exchange) return false;
    if (side && e.side !== side) return false;
    return true;
  });
}

const EMPTY_FILTER = { clientId: 0, acctCode: "", time: "", symbol: "", secType: "", exchange: "", side: "" };

// ---------- the checks ----------

async function checkPositions(api) {
  const pending = collect(api, EventName.position, EventName.positionEnd);
  api.reqPositions();
  const rows = await pending;
  check("positions: one per scenario position", () =>
    assert.equal(rows.length, scenario.positions.length),
  );
  scenario.positions.forEach((p, i) => {
    const [account, contract, pos, avgCost] = rows[i];
    check(`position ${i} (${p.contract.symbol} ${p.contract.sec_type}) equals the scenario`, () => {
      assert.equal(account, p.account);
      assert.deepEqual(gotContract(contract), expectedContract(p.contract));
      assert.equal(pos, p.position);
      assert.equal(avgCost, p.avg_cost);
    });
  });
}

async function checkAccountSummary(api) {
  const reqId = 9001;
  const tags = [...new Set(scenario.account_values.map((v) => v.tag))].join(",");
  const rows = collectFor(api, EventName.accountSummary, EventName.accountSummaryEnd, reqId);
  api.reqAccountSummary(reqId, "All", tags);
  const got = (await rows).map(([, account, tag, value, currency]) => ({ account, tag, value, currency }));
  const key = (v) => `${v.account}|${v.tag}|${v.currency}`;
  const sortRows = (a) => [...a].sort((x, y) => key(x).localeCompare(key(y)));
  check("account summary (All, every tag) equals the scenario's account values", () =>
    assert.deepEqual(sortRows(got), sortRows(scenario.account_values)),
  );

  const oneTag = collectFor(api, EventName.accountSummary, EventName.accountSummaryEnd, reqId + 1);
  api.reqAccountSummary(reqId + 1, "All", "NetLiquidation");
  const net = (await oneTag).map(([, account, tag, value]) => ({ account, tag, value }));
  check("account summary tag filter returns only NetLiquidation rows", () =>
    assert.deepEqual(
      net,
      scenario.account_values
        .filter((v) => v.tag === "NetLiquidation")
        .map(({ account, tag, value }) => ({ account, tag, value })),
    ),
  );
  api.cancelAccountSummary(reqId);
  api.cancelAccountSummary(reqId + 1);
}

async function requestExecutions(api, reqId, filter) {
  const commissions = new Map();
  const onCommission = (report) => commissions.set(report.execId, report);
  api.on(EventName.commissionReport, onCommission);
  const rows = collectFor(api, EventName.execDetails, EventName.execDetailsEnd, reqId);
  api.reqExecutions(reqId, filter);
  try {
    return { execs: await rows, commissions };
  } finally {
    api.off(EventName.commissionReport, onCommission);
  }
}

async function checkExecutions(api) {
  const { execs, commissions } = await requestExecutions(api, 9101, EMPTY_FILTER);
  check("executions: one per scenario execution", () =>
    assert.equal(execs.length, scenario.executions.length),
  );
  scenario.executions.forEach(({ execution: e, commission: c }, i) => {
    const [, contract, exec] = execs[i];
    check(`execution ${e.exec_id} equals the scenario`, () => {
      assert.deepEqual(gotContract(contract), expectedContract(e.contract));
      assert.deepEqual(
        pick(exec, [
          "orderId", "execId", "time", "acctNumber", "exchange", "side", "shares", "price", "permId",
          "clientId", "liquidation", "cumQty", "avgPrice", "orderRef", "lastLiquidity",
        ]),
        {
          orderId: e.order_id, execId: e.exec_id, time: e.time, acctNumber: e.account,
          exchange: e.exchange, side: e.side, shares: e.shares, price: e.price, permId: e.perm_id,
          clientId: e.client_id, liquidation: e.liquidation, cumQty: e.cum_qty,
          avgPrice: e.avg_price, orderRef: e.order_ref, lastLiquidity: e.last_liquidity,
        },
      );
    });
    check(`commission report for ${e.exec_id} equals the scenario`, () => {
      const r = commissions.get(e.exec_id);
      assert.ok(r, "no commissionReport arrived for this execution");
      assert.equal(r.commission, c.commission);
      assert.equal(r.currency, c.currency);
      // IB sends unset realizedPNL/yield as 1.7976931348623157E308, which @stoqey/ib maps to undefined.
      assert.equal(r.realizedPNL, c.realized_pnl);
      assert.equal(r.yield, c.yield);
    });
  });

  const filter = { ...EMPTY_FILTER, symbol: "AAPL", side: "BUY" };
  const filtered = await requestExecutions(api, 9102, filter);
  check("execution filter (symbol AAPL, side BUY) selects the matching fills", () => {
    const want = filterExecutions(filter).map((x) => x.execution.exec_id);
    assert.ok(want.length > 0 && want.length < scenario.executions.length, "filter must discriminate");
    assert.deepEqual(filtered.execs.map(([, , x]) => x.execId), want);
  });
  const byClient = await requestExecutions(api, 9103, { ...EMPTY_FILTER, clientId: 3 });
  check("execution filter (clientId 3) selects that client's fills", () =>
    assert.deepEqual(
      byClient.execs.map(([, , x]) => x.execId),
      filterExecutions({ ...EMPTY_FILTER, clientId: 3 }).map((x) => x.execution.exec_id),
    ),
  );
}

async function requestOpenOrders(api, send) {
  const statuses = new Map();
  const onStatus = (orderId, status, filled, remaining, avgFillPrice, permId, parentId,
    lastFillPrice, clientId, whyHeld) =>
    statuses.set(permId, { orderId, status, filled, remaining, avgFillPrice, permId, parentId,
      lastFillPrice, clientId, whyHeld });
  api.on(EventName.orderStatus, onStatus);
  const orders = collect(api, EventName.openOrder, EventName.openOrderEnd);
  send();
  try {
    return { orders: await orders, statuses };
  } finally {
    api.off(EventName.orderStatus, onStatus);
  }
}

function checkOrders(label, got, want) {
  check(`${label}: one openOrder per expected order`, () =>
    assert.deepEqual(got.orders.map(([id]) => id), want.map((o) => o.order.order_id)),
  );
  want.forEach((o, i) => {
    const [, contract, order, state] = got.orders[i];
    const ord = o.order;
    check(`${label}: order ${ord.order_id} (${o.contract.symbol}) equals the scenario`, () => {
      assert.deepEqual(gotContract(contract), expectedContract(o.contract));
      assert.deepEqual(
        pick(order, ["orderId", "clientId", "permId", "action", "totalQuantity", "orderType",
          "lmtPrice", "auxPrice", "tif", "account", "orderRef"]),
        {
          orderId: ord.order_id, clientId: ord.client_id, permId: ord.perm_id, action: ord.action,
          totalQuantity: ord.total_quantity, orderType: ord.order_type, lmtPrice: ord.lmt_price,
          auxPrice: ord.aux_price, tif: ord.tif, account: ord.account, orderRef: ord.order_ref ?? "",
        },
      );
      assert.equal(state.status, o.state.status);
    });
    check(`${label}: orderStatus of order ${ord.order_id} equals the scenario`, () => {
      const s = got.statuses.get(ord.perm_id);
      assert.ok(s, "no orderStatus arrived for this order");
      const w = o.order_status;
      assert.deepEqual(s, {
        orderId: ord.order_id, status: w.status, filled: w.filled, remaining: w.remaining,
        avgFillPrice: w.avg_fill_price, permId: ord.perm_id, parentId: ord.parent_id ?? 0,
        lastFillPrice: w.last_fill_price, clientId: ord.client_id, whyHeld: w.why_held,
      });
    });
  });
}

async function checkOpenOrders(api) {
  const all = await requestOpenOrders(api, () => api.reqAllOpenOrders());
  checkOrders("all open orders", all, scenario.open_orders);
  const own = await requestOpenOrders(api, () => api.reqOpenOrders());
  const mine = scenario.open_orders.filter((o) => o.order.client_id === CLIENT_ID);
  check("reqOpenOrders returns only this clientId's orders", () => {
    assert.ok(mine.length > 0 && mine.length < scenario.open_orders.length, "scenario must mix clients");
  });
  checkOrders(`open orders of clientId ${CLIENT_ID}`, own, mine);
}

function expectedDetails(d) {
  return {
    contract: {
      ...expectedContract(d.contract),
      primaryExch: d.contract.primary_exchange ?? "",
      lastTradeDate: d.last_trade_date ?? "",
    },
    marketName: d.market_name, minTick: d.min_tick, orderTypes: d.order_types,
    validExchanges: d.valid_exchanges, priceMagnifier: d.price_magnifier, underConId: d.under_con_id,
    longName: d.long_name, contractMonth: d.contract_month, industry: d.industry, category: d.category,
    subcategory: d.subcategory, timeZoneId: d.time_zone_id, tradingHours: d.trading_hours,
    liquidHours: d.liquid_hours, evRule: d.ev_rule,
    secIdList: d.sec_id_list.length ? d.sec_id_list.map(([tag, value]) => ({ tag, value })) : undefined,
    aggGroup: d.agg_group, underSymbol: d.under_symbol, underSecType: d.under_sec_type,
    marketRuleIds: d.market_rule_ids, realExpirationDate: d.real_expiration_date,
    stockType: d.stock_type, minSize: d.min_size, sizeIncrement: d.size_increment,
    suggestedSizeIncrement: d.suggested_size_increment,
  };
}

async function requestContractDetails(api, reqId, contract) {
  const rows = collectFor(api, EventName.contractDetails, EventName.contractDetailsEnd, reqId);
  api.reqContractDetails(reqId, contract);
  return (await rows).map(([, details]) => details);
}

async function checkContractDetails(api) {
  let reqId = 9200;
  for (const d of scenario.contracts) {
    const got = await requestContractDetails(api, ++reqId, { conId: d.contract.con_id });
    check(`contract details by conId ${d.contract.con_id} equal the scenario`, () => {
      assert.equal(got.length, 1);
      const want = expectedDetails(d);
      const g = got[0];
      assert.deepEqual(pick(g.contract, Object.keys(want.contract)), want.contract);
      const { contract: _c, ...rest } = want;
      assert.deepEqual(pick(g, Object.keys(rest)), rest);
    });
  }
  const bySymbol = await requestContractDetails(api, ++reqId, {
    symbol: "AAPL", secType: "STK", exchange: "SMART", currency: "USD",
  });
  check("contract details by symbol+secType+exchange+currency find AAPL", () =>
    assert.deepEqual(bySymbol.map((d) => d.contract.conId), [265598]),
  );
  const unknownId = ++reqId;
  const err = waitForCode(api, 200, "error 200 for an unknown contract");
  api.reqContractDetails(unknownId, { symbol: "NOSUCH", secType: "STK", currency: "USD" });
  const e = await err;
  check("unknown contract gets error 200 with the request id", () => {
    assert.equal(e.id, unknownId);
    assert.match(e.message, /No security definition has been found for the request/);
  });
}

async function checkCurrentTime(api, label) {
  const t = waitFor(api, EventName.currentTime);
  api.reqCurrentTime();
  const [secs] = await t;
  check(`${label}: currentTime is the real clock`, () =>
    assert.ok(Math.abs(secs - Date.now() / 1000) < 10, `currentTime ${secs} is off the clock`),
  );
}

async function checkDuplicateClientId(port, first) {
  const dup = new IBApi({ host: "127.0.0.1", port, clientId: CLIENT_ID });
  const refused = waitForCode(dup, 326, "error 326 for a duplicate clientId");
  const closed = waitFor(dup, EventName.disconnected, () => true, "disconnect after 326");
  dup.connect();
  const e = await refused;
  await closed;
  check("a second client with the same clientId gets 326 and is disconnected", () => {
    assert.equal(e.code, 326);
    assert.match(e.message, /client id is already in use/);
  });
  await checkCurrentTime(first, "first client after the duplicate was refused");
}

async function checkPacing(port) {
  // @stoqey/ib throttles itself (40/s by default); lift that so the simulator's 50/s rule fires.
  const { api } = await connect(port, 8, { maxReqPerSec: 5000 });
  const pacing = waitForCode(api, 100, "error 100 for exceeding 50 messages/s");
  for (let i = 0; i < 70; i++) api.reqCurrentTime();
  const e = await pacing;
  check("a client exceeding 50 messages/s gets error 100", () =>
    assert.match(e.message, /Max rate of messages per second has been exceeded:max=50 rec=\d+/),
  );
  api.disconnect();
}

// ---------- market data: @stoqey/ib (sv 193) against intentq's gateway session (195, 200) ----------

// The requests both clients make, on a simulator frozen at Friday 4 December 2026 15:00 EST
// (--market-time) so that both see the same "now".
const MARKET_TIME = "2026-12-04T20:00:00Z";
const MD_REQUESTS = [
  { kind: "bars", con_id: 265598, exchange: "SMART", end: "20261204-21:00:00", duration: "1 D",
    bar_size: "1 hour", what: "TRADES", use_rth: true, format_date: 2 },
  { kind: "bars", con_id: 265598, exchange: "SMART", end: "20261204-19:00:00", duration: "1800 S",
    bar_size: "1 min", what: "MIDPOINT", use_rth: true, format_date: 2 },
  { kind: "bars", con_id: 265598, exchange: "SMART", end: "", duration: "1 D",
    bar_size: "30 mins", what: "BID_ASK", use_rth: false, format_date: 1 },
  { kind: "bars", con_id: 637533641, exchange: "CME", end: "20261204-22:00:00", duration: "1 W",
    bar_size: "1 day", what: "TRADES", use_rth: false, format_date: 2 },
  { kind: "head", con_id: 265598, exchange: "SMART", what: "TRADES", use_rth: true, format_date: 2 },
  { kind: "snapshot", con_id: 265598, exchange: "SMART", type: 1 },
];

async function stoqeyAnswer(api, reqId, r) {
  const contract = { conId: r.con_id, exchange: r.exchange };
  if (r.kind === "bars") {
    const bars = [];
    let range;
    const done = waitFor(api, EventName.historicalData, (id, date) => {
      if (id !== reqId) return false;
      if (String(date).startsWith("finished")) {
        range = String(date).split("-").slice(1);
        return true;
      }
      return false;
    }, `historical data ${reqId}`);
    const onBar = (id, date, open, high, low, close, volume, count, wap) => {
      if (id === reqId && !String(date).startsWith("finished"))
        bars.push({ time: date, open, high, low, close, volume, wap, count });
    };
    api.on(EventName.historicalData, onBar);
    api.reqHistoricalData(reqId, contract, r.end, r.duration, r.bar_size, r.what,
                          r.use_rth ? 1 : 0, r.format_date, false);
    try {
      await done;
    } finally {
      api.off(EventName.historicalData, onBar);
    }
    return { start: range[0], end: range[1], bars };
  }
  if (r.kind === "head") {
    const got = waitFor(api, EventName.headTimestamp, (id) => id === reqId, `head timestamp ${reqId}`);
    api.reqHeadTimestamp(reqId, contract, r.what, r.use_rth ? 1 : 0, r.format_date);
    const [, timestamp] = await got;
    api.cancelHeadTimestamp(reqId);
    return { timestamp: String(timestamp) };
  }
  const snap = { prices: {}, sizes: {}, strings: {} };
  const on = {
    [EventName.tickPrice]: (id, t, price) => { if (id === reqId) snap.prices[t] = price; },
    [EventName.tickSize]: (id, t, size) => { if (id === reqId) snap.sizes[t] = size; },
    [EventName.tickString]: (id, t, v) => { if (id === reqId) snap.strings[t] = v; },
    [EventName.marketDataType]: (id, type) => { if (id === reqId) snap.market_data_type = type; },
    [EventName.tickReqParams]: (id, minTick, bbo, perms) => {
      if (id === reqId) Object.assign(snap, { min_tick: minTick, bbo_exchange: bbo, snapshot_permissions: perms });
    },
  };
  for (const [e, f] of Object.entries(on)) api.on(e, f);
  const end = waitFor(api, EventName.tickSnapshotEnd, (id) => id === reqId, `snapshot end ${reqId}`);
  api.reqMarketDataType(r.type);
  api.reqMktData(reqId, contract, "", true, false);
  try {
    await end;
  } finally {
    for (const [e, f] of Object.entries(on)) api.off(e, f);
  }
  return snap;
}

function runProbe(probe, port, maxVersion, clientId) {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(probe, [String(port), String(maxVersion), String(clientId), JSON.stringify(MD_REQUESTS)],
                        { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d.toString()));
    child.stderr.on("data", (d) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return rejectRun(new Error(`probe at v${maxVersion} exited ${code}: ${err}`));
      resolveRun(JSON.parse(out.trim().split("\n").pop()));
    });
  });
}

function compareBars(label, got, want) {
  check(`${label}: range and ${want.bars.length} bars match field by field`, () => {
    assert.ok(want.bars.length > 0, "no bars");
    assert.equal(got.start, want.start);
    assert.equal(got.end, want.end);
    assert.equal(got.bars.length, want.bars.length);
    got.bars.forEach((b, i) => {
      const w = want.bars[i];
      assert.deepEqual(
        { time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume, wap: b.wap, count: b.count },
        { time: w.time, open: w.open, high: w.high, low: w.low, close: w.close, volume: Number(w.volume), wap: Number(w.wap), count: w.count },
        `bar ${i}`);
    });
  });
}

function compareSnapshot(label, got, want) {
  check(`${label}: ticks, market data type and tick parameters match`, () => {
    const num = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(v)]));
    assert.deepEqual(num(got.prices), num(want.prices));
    assert.deepEqual(num(got.sizes), num(want.sizes));
    assert.deepEqual(got.strings, want.strings);
    assert.equal(got.market_data_type, want.market_data_type);
    // @stoqey/ib 1.6.7 reads TICK_REQ_PARAMS' minTick with readInt (IB's clients read a double),
    // so it sees 0.01 as 0: compare what an integer read of our text gives.
    assert.equal(got.min_tick, parseInt(String(want.min_tick), 10));
    assert.ok(want.min_tick > 0);
    assert.equal(got.bbo_exchange, want.bbo_exchange);
    assert.equal(got.snapshot_permissions, want.snapshot_permissions);
    for (const t of ["1", "2", "4", "6", "7", "9", "14"]) assert.ok(t in got.prices, `tick ${t} missing`);
  });
}

// ---- the worker's result maps (printed by the probe when the market-data intents are built) ----

const ZONES = { "US/Eastern": "America/New_York", "US/Central": "America/Chicago", UTC: "UTC" };

// Offset (ms) of an IANA zone at an instant.
function zoneOffsetMs(epochMs, zone) {
  const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const p = Object.fromEntries(f.formatToParts(new Date(epochMs)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - epochMs;
}

// An IB time as @stoqey/ib got it -> epoch ms: epoch seconds, or "yyyymmdd hh:mm:ss Zone".
function ibTimeMs(text) {
  if (/^\d+$/.test(text) && text.length > 8) return Number(text) * 1000;
  const m = /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2}) (\S+)$/.exec(text);
  assert.ok(m, `unexpected IB time ${text}`);
  const local = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  const zone = ZONES[m[7]] ?? m[7];
  const guess = local - zoneOffsetMs(local, zone);
  return local - zoneOffsetMs(guess, zone);
}

const orNull = (v) => (v === -1 || v === undefined ? null : v);

function compareWorkerBars(label, stoqey, result) {
  check(`${label}: the worker's historical_bars result carries the same ${stoqey.bars.length} bars`, () => {
    assert.equal(Date.parse(result.start), ibTimeMs(stoqey.start));
    assert.equal(Date.parse(result.end), ibTimeMs(stoqey.end));
    assert.equal(result.bars.length, stoqey.bars.length);
    result.bars.forEach((b, i) => {
      const w = stoqey.bars[i];
      const time = /^\d{8}$/.test(w.time) ? w.time : null;
      if (time) assert.equal(String(b.t).replaceAll("-", ""), time, `bar ${i} date`);
      else assert.equal(Date.parse(b.t), ibTimeMs(w.time), `bar ${i} time ${b.t}`);
      assert.deepEqual(
        { o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, wap: b.wap, n: b.n },
        { o: w.open, h: w.high, l: w.low, c: w.close, v: orNull(w.volume), wap: orNull(w.wap), n: orNull(w.count) },
        `bar ${i}`);
    });
  });
}

function compareWorkerQuote(label, stoqey, q) {
  check(`${label}: the worker's quote result has the same values`, () => {
    const p = stoqey.prices, z = stoqey.sizes;
    assert.deepEqual(
      { bid: q.bid, ask: q.ask, last: q.last, high: q.high, low: q.low, open: q.open, close: q.close,
        bid_size: q.bid_size, ask_size: q.ask_size, last_size: q.last_size, volume: q.volume,
        market_data_type: q.market_data_type, delayed: q.delayed },
      { bid: p[1], ask: p[2], last: p[4], high: p[6], low: p[7], open: p[14], close: p[9],
        bid_size: z[0], ask_size: z[3], last_size: z[5], volume: z[8],
        market_data_type: ["", "live", "frozen", "delayed", "delayed_frozen"][stoqey.market_data_type],
        delayed: false });
    assert.equal(Date.parse(q.last_time), Number(stoqey.strings[45]) * 1000);
  });
}

async function checkMarketData(binary, probe) {
  const sim = startSimulator(binary, ["--listen", "127.0.0.1:0", "--scenario", join(here, "scenario.json"),
    "--market-time", MARKET_TIME, "--time-scale", "0.05", "--historical-pacing", "off"]);
  try {
    const { port } = await sim.ready;
    const { api, errors } = await connect(port, 21);
    const stoqey = [];
    for (let i = 0; i < MD_REQUESTS.length; i++) stoqey.push(await stoqeyAnswer(api, 9000 + i, MD_REQUESTS[i]));
    check("market data: no decode errors on @stoqey/ib", () => assert.deepEqual(errors, []));
    api.disconnect();
    const v195 = await runProbe(probe, port, 195, 22);
    const v200 = await runProbe(probe, port, 200, 23);
    const workerResults = v200.answers.some((a) => a.worker_result);
    console.log(workerResults
      ? "market data: comparing with the worker's result maps too (market-data intents built in)"
      : "market data: the worker's market-data intents are not built in: comparing with the session only");
    check("intentq's session negotiated 195 and 200", () => {
      assert.equal(v195.server_version, 195);
      assert.equal(v200.server_version, 200);
    });
    MD_REQUESTS.forEach((r, i) => {
      const label = `${r.kind} ${r.what ?? ""} ${r.bar_size ?? ""}`.trim();
      for (const [sv, p] of [[195, v195], [200, v200]]) {
        const name = r.kind === "bars"
          ? `v${sv} (${sv < 196 ? "HISTORICAL_DATA carrying its range" : "HISTORICAL_DATA + HISTORICAL_DATA_END"})`
          : `v${sv}`;
        const mine = p.answers[i];
        assert.ok(!mine.error, `${label} at ${name}: IB error ${mine.error} ${mine.message}`);
        if (r.kind === "bars") compareBars(`${label}: @stoqey/ib v193 = intentq ${name}`, stoqey[i], mine);
        if (r.kind === "head") check(`${label}: @stoqey/ib v193 = intentq ${name}`, () => assert.equal(stoqey[i].timestamp, mine.timestamp));
        if (r.kind === "snapshot") compareSnapshot(`snapshot: @stoqey/ib v193 = intentq ${name}`, stoqey[i], mine);
        if (mine.worker_result) compareWorkerBars(`${label} at ${name}`, stoqey[i], mine.worker_result);
        if (mine.worker_quote) compareWorkerQuote(`snapshot at ${name}`, stoqey[i], mine.worker_quote);
      }
    });
  } finally {
    await stopSimulator(sim);
  }
}

async function main() {
  const binary = resolve(process.argv[2] ?? join(here, "..", "..", "build", "bin", "intentq-gwsim"));
  if (!existsSync(binary)) throw new Error(`simulator binary not found: ${binary}`);
  const probe = resolve(process.argv[3] ?? join(dirname(binary), "gw_market_data_probe"));
  if (!existsSync(probe)) throw new Error(`probe binary not found: ${probe}`);
  const sim = startSimulator(binary, ["--listen", "127.0.0.1:0", "--scenario", join(here, "scenario.json")]);
  const watchdog = setTimeout(() => {
    console.error("conformance: overall timeout (90 s)");
    sim.child.kill("SIGKILL");
    process.exit(1);
  }, 90000);
  let api;
  try {
    const { port } = await sim.ready;
    const first = await connect(port, CLIENT_ID);
    api = first.api;
    check("negotiated server version is 193 (@stoqey/ib offers v100..193)", () =>
      assert.equal(api.serverVersion, 193),
    );
    check("managedAccounts lists the scenario accounts", () =>
      assert.equal(first.accountList, scenario.accounts.join(",")),
    );
    check("nextValidId is the scenario's", () => assert.equal(first.orderId, scenario.next_valid_id));

    await checkPositions(api);
    await checkAccountSummary(api);
    await checkExecutions(api);
    await checkOpenOrders(api);
    await checkContractDetails(api);
    await checkCurrentTime(api, "first client");
    check("no decode errors or unexpected errors on the first client", () =>
      assert.deepEqual(first.errors.filter((e) => e.code !== 200), []),
    );
    await checkDuplicateClientId(port, api);
    await checkPacing(port);
    await checkMarketData(binary, probe);
    api.disconnect();
    api = undefined;
    const exit = await stopSimulator(sim);
    check("simulator exits with 0 on SIGTERM", () => assert.equal(exit, 0));
    console.log(`conformance: all ${passed} checks passed`);
  } catch (e) {
    console.error(`not ok - ${e.stack ?? e}`);
    console.error(`--- simulator stderr ---\n${sim.stderr()}`);
    api?.disconnect();
    await stopSimulator(sim);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
  }
}

await main();
