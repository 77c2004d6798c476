#!/usr/bin/env python3
"""Drives `nicbed web`'s page in headless Chromium (Debian's chromium and chromium-driver, through
Selenium) the way a user would, on a running line3 (h1 - r1 - h2):

  1. the page draws the three nodes and the two links;
  2. while a transfer runs, h1:eth0's transmit rate on the page changes and is above zero;
  3. the page's "down" button on h1:eth0 takes the link down: pings from h1 to h2 fail, and the
     page shows the end down; its "up" button brings it back and pings answer again;
  4. during the transfer, h1's TCP connection to h2 is listed with its congestion window;
  5. loss and delay typed into the page and set reach the link (`nicbed link show` has them);
  6. a screenshot of the page during the transfer is kept (--screenshot).

Exits 1 with a sentence on the first check that fails. Used by the WebViewOverRealProcesses test;
runnable by hand against any running line3: scripts/web-browser-check.py --url http://127.0.0.1:8080/
"""
import argparse
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By


def fail(message):
    print("FAILED: " + message, flush=True)
    sys.exit(1)


def wait_until(what, check, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    fail("timed out after %d s waiting for %s" % (seconds, what))


def fresh(read, attempts=20):
    """The page redraws itself on every sample: an element found just before may be gone."""
    for _ in range(attempts):
        try:
            return read()
        except StaleElementReferenceException:
            time.sleep(0.05)
    fail("the page kept redrawing the element being read")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--nicbed", default="nicbed", help="the nicbed executable, for the pings")
    parser.add_argument("--run", default="line3", help="the topology's name on the page")
    parser.add_argument("--screenshot", default="web-line3.png")
    parser.add_argument("--transfer-bytes", default="3000000000")
    arguments = parser.parse_args()

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1100"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    receiver = sender = None
    try:
        driver.get(arguments.url)
        samples = lambda: int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-samples") or 0)
        wait_until("the first sample on the page", lambda: samples() >= 1)

        section = "section[data-topology='%s']" % arguments.run
        nodes = fresh(lambda: sorted(e.get_attribute("data-node") for e in driver.find_elements(By.CSS_SELECTOR, section + " svg g[data-node]")))
        links = fresh(lambda: [e.get_attribute("data-link") for e in driver.find_elements(By.CSS_SELECTOR, section + " svg line[data-link]")])
        print("nodes on the page: %s; links: %d" % (", ".join(nodes), len(links)), flush=True)
        if nodes != ["h1", "h2", "r1"]:
            fail("expected the nodes h1, h2, r1, saw %s" % nodes)
        if len(links) != 2:
            fail("expected 2 links, saw %d" % len(links))

        # A transfer from h1 to h2, long enough to watch for a few seconds.
        receiver = subprocess.Popen([arguments.nicbed, "exec", "h2", "tcp-recv", "-n", arguments.transfer_bytes],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(1)
        sender = subprocess.Popen([arguments.nicbed, "exec", "h1", "tcp-send", "-n", arguments.transfer_bytes, "10.0.2.1"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def rate_text():
            def read():
                cell = driver.find_elements(By.CSS_SELECTOR, section + " tr[data-end='h1:eth0'] td[data-field='tx-rate']")
                return cell[0].text if cell else ""
            return fresh(read)

        seen = []
        deadline = time.time() + 20
        while time.time() < deadline and len(set(t for t in seen if not t.startswith("0 "))) < 3:
            before = samples()
            wait_until("a new sample", lambda: samples() > before, seconds=5)
            seen.append(rate_text())
        print("h1:eth0 tx on the page, sample by sample: %s" % seen, flush=True)
        moving = set(t for t in seen if t not in ("", "-") and not t.startswith("0 "))
        if len(moving) < 2:
            fail("the rate did not move during the transfer: %s" % seen)
        # Each host's connections, with a congestion window, while the transfer runs.
        def connection_rows(node):
            return fresh(lambda: [[c.text for c in row.find_elements(By.TAG_NAME, "td")] for row in
                                  driver.find_elements(By.CSS_SELECTOR, section + " table[data-connections-of='%s'] tr" % node)][1:])
        rows = wait_until("h1's TCP connection on the page", lambda: connection_rows("h1"))
        print("h1's connections on the page: %s" % rows, flush=True)
        if not any(row[2] == "10.0.2.1:5001" and int(row[3]) > 0 for row in rows):
            fail("no connection to 10.0.2.1:5001 with a congestion window among %s" % rows)
        driver.save_screenshot(arguments.screenshot)
        print("screenshot: %s" % arguments.screenshot, flush=True)
        for process in (sender, receiver):
            process.kill()
            process.wait()
        sender = receiver = None

        def ping():
            return subprocess.run([arguments.nicbed, "exec", "h1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.0.2.1"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).returncode

        if ping() != 0:
            fail("h1 does not reach h2 before the link is taken down")
        state = lambda: fresh(lambda: driver.find_element(By.CSS_SELECTOR, section + " tr[data-end='h1:eth0'] td[data-field='state']").text)
        press = lambda action: fresh(lambda: driver.find_element(
            By.CSS_SELECTOR, section + " button[data-action='%s'][data-end='h1:eth0']" % action).click())
        press("down")
        wait_until("the page to show h1:eth0 down", lambda: state() == "down")
        status = ping()
        print("after the page's down: the page says %s, ping exits %d" % (state(), status), flush=True)
        if status == 0:
            fail("pings still answered with h1:eth0 down")
        press("up")
        wait_until("the page to show h1:eth0 up", lambda: state() == "up")
        status = ping()
        print("after the page's up: the page says %s, ping exits %d" % (state(), status), flush=True)
        if status != 0:
            fail("pings did not come back after up")
        # Loss and delay set from the page, as `nicbed link set h1:eth0 delay 20ms loss 3%`.
        impairments = lambda: fresh(lambda: driver.find_element(
            By.CSS_SELECTOR, section + " tr[data-end='h1:eth0'] td[data-field='impairments']").text)
        def type_and_set():
            row = driver.find_element(By.CSS_SELECTOR, section + " tr[data-end='h1:eth0']")
            # Cleared first: a redraw in between keeps what was typed, and this may run again.
            for name, value in (("loss", "3"), ("delay", "20")):
                field = row.find_element(By.CSS_SELECTOR, "input[data-input='%s']" % name)
                field.clear()
                field.send_keys(value)
            row.find_element(By.CSS_SELECTOR, "button[data-action='set']").click()
        fresh(type_and_set)
        wait_until("the page to show h1:eth0's new impairments", lambda: impairments() == "delay 20ms, loss 3%")
        shown = subprocess.run([arguments.nicbed, "link", "show", "h1:eth0"], stdout=subprocess.PIPE, text=True).stdout
        print("after the page's set: the page says %s; nicbed link show: %s" % (impairments(), shown.strip()), flush=True)
        if "delay 20ms" not in shown or "loss 3%" not in shown:
            fail("nicbed link show does not have the page's settings: %s" % shown)
        print("PASSED", flush=True)
    finally:
        for process in (sender, receiver):
            if process:
                process.kill()
        driver.quit()


if __name__ == "__main__":
    main()
