#!/usr/bin/python3
"""The dashboard (GET /) in a real browser: headless Chromium driven by chromium-driver through
python3-selenium (Debian packages), against a running stack (broker, simulator, 2 workers,
intentq-http). Checks: within 2 s the page shows the right number of workers; a submitted job
appears in the recent results; killing a worker removes it; stopping the simulator shows its
gateway down; a historical_bars job shows in its gateway's historical window;
behind --tokens the page asks for the token once and goes live with it. Saves a
screenshot (--screenshot PATH; docs/img/dashboard.png is one).

Usage: dashboard_test.py --bin BUILD/bin [--screenshot PATH]
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack import Stack, StackError, wait_for  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1500,1000", "--no-first-run", "--disable-extensions"]:
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--screenshot", default="")
    args = parser.parse_args()

    with Stack(os.path.abspath(args.bin), workers=2) as stack:
        driver = browser()
        try:
            run_with_token(stack, driver)
            run(stack, driver, args.screenshot)
        except Exception:
            print(stack.logs(), file=sys.stderr)
            try:
                print(driver.find_element(By.TAG_NAME, "body").text, file=sys.stderr)
            except Exception:  # noqa: BLE001
                pass
            raise
        finally:
            driver.quit()
    print("dashboard_test: ok")


# The page redraws its tables every second (innerHTML), so element handles go stale between a
# find and a read: every read below is one script that returns plain values.
def texts(driver, selector):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)",
        selector)


def attrs(driver, selector, name):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map(e => e.getAttribute(arguments[1]))", selector, name)


def worker_ids(driver):
    return attrs(driver, "#workers tr.worker", "data-client-id")


def text(driver, element_id):
    return texts(driver, "#" + element_id)[0]


def run_with_token(stack, driver):
    """A front with --tokens: the page asks for the token once and then goes live with it."""
    import tempfile

    token = "dash-0123456789abcdef0123"
    with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as f:
        f.write(f"viewer {token}\n")
    front = stack.start_http("--tokens", f.name, name="http-tokens", expect_ready=False)
    driver.get(f"http://{front.host}:{front.port}/")
    alert = wait_for(lambda: _alert(driver), 10, "the page asks for a token")
    alert.send_keys(token)
    alert.accept()
    wait_for(lambda: text(driver, "stream-status") == "live" and
             text(driver, "worker-count") == "2", 10, "the page live with the token")
    os.unlink(f.name)


def _alert(driver):
    try:
        return driver.switch_to.alert
    except Exception:  # noqa: BLE001 - no alert yet
        return None


def run(stack, driver, screenshot):
    front = stack.http
    c = stack.client()
    driver.get(f"http://{front.host}:{front.port}/")
    started = time.monotonic()
    # The right number of workers within 2 s of loading the page.
    wait_for(lambda: text(driver, "worker-count") == "2" and len(worker_ids(driver)) == 2, 2.0,
             "the page shows 2 workers")
    print(f"dashboard_test: 2 workers shown {time.monotonic() - started:.2f} s after load")
    assert text(driver, "broker-status") == "up", text(driver, "broker-status")
    ids = sorted(worker_ids(driver))
    assert ids == ["1", "2"], ids
    sessions = texts(driver, "#workers tr.worker td.session")
    assert sessions == ["up", "up"], sessions
    queue = texts(driver, '#queues tr.queue[data-intent="summary"] td')
    assert queue and queue[1] == "2", queue

    # A submitted job appears in the recent results, accounts masked unless asked.
    status, _, reply = c.post("/v1/jobs/summary", {"id": "dash-job-1"})
    assert status == 200, reply
    sel = '#results tr.result[data-id="dash-job-1"]'
    wait_for(lambda: texts(driver, sel), 5,
             "dash-job-1 in the recent results")
    cells = texts(driver, sel + " td")
    assert cells[2] == "summary" and cells[3] == "ok", cells
    assert "DU1000001" not in cells[6] and "\u2022" in cells[6], cells[6]
    driver.find_element(By.ID, "unmask").click()
    cells = texts(driver, sel + " td")
    assert "DU1000001" in cells[6], cells[6]

    # The job lookup shows the stored reply.
    driver.find_element(By.ID, "job-id").send_keys("dash-job-1")
    driver.find_element(By.CSS_SELECTOR, "#lookup button").click()
    wait_for(lambda: '"dash-job-1"' in text(driver, "lookup-out"), 5, "the lookup shows the job")
    assert text(driver, "lookup-out").startswith("200"), text(driver, "lookup-out")[:100]
    # The jobs/s chart counted it.
    wait_for(lambda: text(driver, "results-count") == "1", 5, "one result counted")
    # A few more, one of them an error, for the picture.
    for n, (intent, params) in enumerate([("echo", {"n": 1}), ("positions", {}),
                                          ("current_time", {}), ("summary", {"account": "ZZ1"}),
                                          ("account_summary", {}), ("echo", {"n": 2})]):
        c.post(f"/v1/jobs/{intent}", {"id": f"dash-more-{n}", "params": params})
    wait_for(lambda: text(driver, "results-count") == "7", 5, "seven results listed")
    # Each worker by its name (host:pid), with the jobs it has done (the broker counts replies).
    def jobs_done():
        rows = driver.execute_script(
            "return Array.from(document.querySelectorAll('#workers tr.worker'))"
            ".map(r => Array.from(r.cells).map(c => c.textContent))")
        return [(r[0], int(r[2])) for r in rows]
    wait_for(lambda: sum(n for _, n in jobs_done()) >= 5, 5, "the workers' jobs done counted")
    assert all(name for name, _ in jobs_done()), jobs_done()
    errors = texts(driver, '#results tr.result[data-id="dash-more-3"] td')
    assert errors[3] == "error UNKNOWN_ACCOUNT", errors
    wait_cell = texts(driver, '#queues tr.queue[data-intent="echo"] td')[6]
    assert re.fullmatch(r"\d+(\.\d+)? / \d+(\.\d+)? ms", wait_cell), wait_cell  # p50 / p99
    historical_window(stack, driver, c)
    driver.find_element(By.ID, "unmask").click()  # masked again for the picture
    if screenshot:
        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        driver.save_screenshot(screenshot)

    # Killing a worker removes it (the broker expires it after its heartbeats stop).
    stack.workers[1].kill()
    wait_for(lambda: text(driver, "worker-count") == "1" and len(worker_ids(driver)) == 1, 15,
             "the killed worker leaves the page")
    assert worker_ids(driver) == ["1"], worker_ids(driver)

    # Stopping the simulator shows the gateway down.
    stack.gwsim.stop()
    gw = f'#gateways tr.gateway[data-gateway="{stack.gateway}"] td.state'
    wait_for(lambda: texts(driver, gw) == ["down"], 20,
             f"gateway {stack.gateway} shown down")
    wait_for(lambda: texts(driver, "#workers tr.worker td.session") == ["down"], 5,
             "the worker's session down")
    c.close()


def historical_window(stack, driver, c):
    """The gateway's historical window next to its message budget: the workers announce
    historical_bars (@historical=), so the broker paces it per gateway; one job against the
    simulator takes one request of the window, and the page shows it (requests / limit, open,
    queued, next slot)."""
    row = f'#gateways tr.gateway[data-gateway="{stack.gateway}"]'

    def cells():
        got = texts(driver, f"{row} td.hist-window, {row} td.hist-open, {row} td.hist-queued, "
                            f"{row} td.hist-next")
        return got if len(got) == 4 else None

    wait_for(lambda: cells() and cells()[0] != "-", 5, "the gateway's historical window shown")
    status, _, reply = c.post("/v1/jobs/historical_bars", {
        "id": "dash-hist-1", "params": {"con_id": 265598, "end": "2026-12-04T21:00:00Z",
                                        "duration": "1 D", "bar_size": "1 hour"}})
    assert status == 200, reply
    assert reply["result"]["bars"], reply

    def used():
        m = re.fullmatch(r"(\d+) / (\d+) in (\d+(\.\d)?) s", cells()[0])
        return m and int(m.group(1)) >= 1 and int(m.group(2)) >= int(m.group(1))
    wait_for(used, 5, "the historical_bars job counted in the gateway's window")
    window, open_, queued, next_slot = cells()
    stats = c.get("/v1/stats")[2]["gateways"][stack.gateway]["historical"]
    assert window.startswith(f"{stats['requests']} / {stats['limit']} in "), (window, stats)
    assert open_ == f"0 / {stats['open_limit']}", open_  # the job is done: nothing running
    assert queued == "0", queued
    assert next_slot == "now", next_slot  # one request of 60: the next fits at once
    print(f"dashboard_test: historical window shown: {window}, open {open_}, next slot {next_slot}")


if __name__ == "__main__":
    try:
        main()
    except (StackError, AssertionError) as e:
        print(f"dashboard_test: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
