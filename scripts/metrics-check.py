#!/usr/bin/env python3
"""Reads `nicbed web`'s /metrics with the Prometheus client library's own text-format parser,
twice, --interval seconds apart (during a transfer), and checks that the byte counters of a
link end grew and that their labels name the topology, node and interface.

  scripts/metrics-check.py --url http://127.0.0.1:8080/metrics --topology line3 --node h1 --interface eth0

Prints the series it read and exits 1 with a sentence when a check fails.
"""
import argparse
import sys
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def scrape(url, token):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode("utf-8")


def byte_counters(text, topology, node, interface):
    found = {}
    families = list(text_string_to_metric_families(text))
    for family in families:
        for sample in family.samples:
            if sample.name != "nicbed_port_bytes_total":
                continue
            labels = sample.labels
            if labels.get("topology") == topology and labels.get("node") == node and labels.get("interface") == interface:
                found[labels.get("direction")] = sample.value
    return found, len(families)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--topology", required=True)
    parser.add_argument("--node", required=True)
    parser.add_argument("--interface", required=True)
    parser.add_argument("--token")
    parser.add_argument("--interval", type=float, default=2.0)
    arguments = parser.parse_args()

    first, families = byte_counters(scrape(arguments.url, arguments.token), arguments.topology, arguments.node, arguments.interface)
    time.sleep(arguments.interval)
    second, _ = byte_counters(scrape(arguments.url, arguments.token), arguments.topology, arguments.node, arguments.interface)
    print("metric families: %d" % families)
    print("nicbed_port_bytes_total{topology=%s,node=%s,interface=%s}: first %s, then %s"
          % (arguments.topology, arguments.node, arguments.interface, first, second), flush=True)
    if set(first) != {"tx", "rx"} or set(second) != {"tx", "rx"}:
        print("FAILED: no tx and rx byte counters labelled with that topology, node and interface")
        sys.exit(1)
    if not second["tx"] > first["tx"]:
        print("FAILED: the transmitted bytes did not grow during the transfer")
        sys.exit(1)
    print("PASSED")


if __name__ == "__main__":
    main()
