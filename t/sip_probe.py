#!/usr/bin/env python3
"""sip_probe: a scripted SIP peer over UDP for the transaction tests.

    sip_probe.py retrans HOST PORT

sends an INVITE, repeats it with the same branch (a retransmission), and
leaves the 404 unacknowledged for a while, so that sbcd must absorb the
repeated INVITE with the same response (RFC 3261 17.2.1) and retransmit
the 404 by Timer G; then it sends the ACK and checks that the
retransmissions stop (Confirmed).  It prints one line per finding,
'ok: ...' or 'fail: ...', and exits 1 on any failure.  The interval
checks assume sbcd runs with [sip] t1 = 50.
"""
import socket
import sys
import time

T1 = 0.05


def message(lines):
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def main():
    host, port = sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    me = s.getsockname()[1]
    branch = "z9hG4bKprobe%d" % me
    head = [
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (me, branch),
        "From: <sip:probe@127.0.0.1:%d>;tag=probe1" % me,
        "To: <sip:nobody@%s:%d>" % (host, port),
        "Call-ID: probe-%d@127.0.0.1" % me,
    ]
    invite = message(["INVITE sip:nobody@%s:%d SIP/2.0" % (host, port)] + head
                     + ["CSeq: 1 INVITE", "Max-Forwards: 70",
                        "Content-Length: 0"])
    failures = 0

    def report(good, what):
        nonlocal failures
        print(("ok: " if good else "fail: ") + what)
        failures += 0 if good else 1

    def recv_all(seconds):
        got = []
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return got
            s.settimeout(left)
            try:
                data, _ = s.recvfrom(65535)
            except socket.timeout:
                return got
            got.append((time.monotonic(), data))

    def final(msgs):
        return [(t, d) for t, d in msgs if not d.startswith(b"SIP/2.0 1")]

    s.sendto(invite, (host, port))
    first = final(recv_all(T1 * 0.8))
    report(len(first) == 1 and first[0][1].startswith(b"SIP/2.0 404"),
           "the INVITE gets one 404")
    if not first:
        return 1
    resp = first[0][1]
    s.sendto(invite, (host, port))
    # The answer to the repeat comes at once; Timer G may add one more.
    again = final(recv_all(T1 * 0.5))
    report(len(again) >= 1 and all(d == resp for _, d in again),
           "a retransmitted INVITE gets the same 404 again")
    # Timer G: retransmissions T1, 2T1, 4T1 ... apart (RFC 3261 17.2.1).
    later = final(recv_all(T1 * 20))
    report(len(later) >= 3 and all(d == resp for _, d in later),
           "the 404 is retransmitted by Timer G (%d times in %.2f s)"
           % (len(later), T1 * 20))
    gaps = [b[0] - a[0] for a, b in zip(later, later[1:])]
    report(len(gaps) >= 2 and
           all(g2 > g1 * 1.3 for g1, g2 in zip(gaps, gaps[1:])),
           "the intervals double: %s" % ", ".join("%.3f" % g for g in gaps))
    to = [l for l in resp.decode("latin-1").split("\r\n")
          if l.lower().startswith("to:")][0]
    ack = message(["ACK sip:nobody@%s:%d SIP/2.0" % (host, port)]
                  + head[:2] + [to] + head[3:]
                  + ["CSeq: 1 ACK", "Max-Forwards: 70", "Content-Length: 0"])
    s.sendto(ack, (host, port))
    quiet = recv_all(T1 * 12)
    report(len(quiet) == 0,
           "after the ACK nothing more comes (%d messages)" % len(quiet))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
