#!/usr/bin/env python3
"""Opens many TCP connections to a file server and leaves them idle, then watches how and
when the server ends each one: what a careless or hostile client does to a server's memory.

  idle-connections.py HOST PORT --silent N --slowloris N --stalled-uploads N --progress FILE

- silent: connect and send nothing;
- slowloris: send the first line of a request head, never its end;
- stalled-uploads: send a PUT's head with Content-Length 1000 and 10 bytes of body, then
  nothing more.

FILE gets one line per stage ("opened N", then the report) so a test can follow along.
The report is one JSON line on standard output: per group, how many the server ended, how
long after the last connection opened (min, max), and how (the first bytes heard: a status
line, "reset", or "eof").
"""
import argparse
import json
import resource
import selectors
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--silent", type=int, default=0)
    parser.add_argument("--slowloris", type=int, default=0)
    parser.add_argument("--stalled-uploads", type=int, default=0)
    parser.add_argument("--progress", required=True, help="a file that gets one line per stage")
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for the server to end them all")
    args = parser.parse_args()

    wanted = args.silent + args.slowloris + args.stalled_uploads + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(wanted, hard), max(wanted, hard)))

    def note(line):
        with open(args.progress, "a") as progress:
            progress.write(line + "\n")

    groups = [("silent", args.silent, b""),
              ("slowloris", args.slowloris, b"GET /never-ends HTTP/1.1\r\n"),
              ("stalled-uploads", args.stalled_uploads,
               b"PUT /stalled-%d.bin HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n0123456789")]
    selector = selectors.DefaultSelector()
    opened = 0
    for name, count, opening in groups:
        for index in range(count):
            connection = socket.create_connection((args.host, args.port), timeout=5)
            if b"%d" in opening:
                connection.sendall(opening % index)
            elif opening:
                connection.sendall(opening)
            connection.setblocking(False)
            selector.register(connection, selectors.EVENT_READ, {"group": name, "heard": b""})
            opened += 1
    all_open = time.monotonic()
    note("opened %d" % opened)

    ended = {name: [] for name, _, _ in groups}
    how = {name: {} for name, _, _ in groups}
    remaining = opened
    while remaining and time.monotonic() - all_open < args.wait:
        for key, _ in selector.select(timeout=1):
            state = key.data
            try:
                data = key.fileobj.recv(4096)
            except ConnectionResetError:
                data, outcome = None, "reset"
            else:
                if data:
                    state["heard"] += data
                    continue
                first = state["heard"].split(b"\r\n", 1)[0].decode("latin-1")
                outcome = first if first else "eof"
            group = state["group"]
            ended[group].append(time.monotonic() - all_open)
            how[group][outcome] = how[group].get(outcome, 0) + 1
            selector.unregister(key.fileobj)
            key.fileobj.close()
            remaining -= 1

    report = {}
    for name, count, _ in groups:
        times = ended[name]
        report[name] = {"opened": count, "ended": len(times),
                        "first": round(min(times), 2) if times else None,
                        "last": round(max(times), 2) if times else None,
                        "how": how[name]}
    line = json.dumps(report, sort_keys=True)
    note(line)
    print(line)
    return 0 if remaining == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
