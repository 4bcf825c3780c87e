#!/usr/bin/env python3
"""edge_probe: hostile and plain SIP requests over UDP for t/edge.sh.

    edge_probe.py req SRC HOST PORT METHOD [key=value...]
        sends one request from SRC (an address of 127.0.0.0/8) and prints
        the status of the first final response (or of a 503/4xx), or
        'none' when nothing final comes back in wait seconds; with
        show=1 it prints the whole response after the status line.
        Keys: user (Request-URI user), urilen (pad the Request-URI to
        that many bytes), headers (extra header lines), size (pad the
        body to make the datagram that long), mf (Max-Forwards), wait.
    edge_probe.py many SRC HOST PORT METHOD N [key=value...]
        sends N requests at once and prints the final statuses that come
        back within wait seconds, sorted, on one line.
    edge_probe.py burst SRC HOST PORT N
        sends N OPTIONS at once and prints how many were answered.
    edge_probe.py spray PREFIX HOST PORT N
        sends one OPTIONS from each of N source addresses PREFIX.x.y
        (PREFIX like 127.1) and prints how many were answered.
"""
import socket
import sys
import time


def build(method, host, port, me_ip, me_port, n, opts):
    user = opts.get("user", "edge")
    ruri = "sip:%s@%s:%d" % (user, host, port)
    urilen = int(opts.get("urilen", 0))
    if urilen > len(ruri):
        ruri += ";x=" + "a" * (urilen - len(ruri) - 3)
    lines = [
        "%s %s SIP/2.0" % (method, ruri),
        "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKedge%d.%d;rport"
        % (me_ip, me_port, me_port, n),
        "From: <sip:probe@example.net>;tag=edge%d" % n,
        "To: <sip:%s@example.net>" % user,
        "Call-ID: edge-%d-%d-%f@example.net" % (me_port, n, time.time()),
        "CSeq: 1 %s" % method,
        "Max-Forwards: %s" % opts.get("mf", "70"),
    ]
    for i in range(int(opts.get("headers", 0))):
        lines.append("X-Edge-%d: %d" % (i, i))
    if method == "INVITE":
        lines.append("Contact: <sip:probe@%s:%d>" % (me_ip, me_port))
    body = ""
    size = int(opts.get("size", 0))
    head = "\r\n".join(lines) + "\r\n"
    if size:
        pad = size - len(head) - len("Content-Type: text/plain\r\n"
                                     "Content-Length: 00000\r\n\r\n")
        body = "x" * max(pad, 0)
        head += "Content-Type: text/plain\r\n"
    head += "Content-Length: %d\r\n\r\n" % len(body)
    return (head + body).encode("latin-1")


def sock(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    return s


def final_of(s, wait):
    end = time.monotonic() + wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            return None
        text = data.decode("latin-1")
        parts = text.split(" ", 2)
        if len(parts) > 1 and parts[0] == "SIP/2.0" and parts[1] >= "2":
            return text


def main():
    cmd = sys.argv[1]
    src, host, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
    if cmd == "req":
        method = sys.argv[5]
        opts = dict(a.split("=", 1) for a in sys.argv[6:])
        s = sock(src)
        me = s.getsockname()
        s.sendto(build(method, host, port, me[0], me[1], 0, opts),
                 (host, port))
        text = final_of(s, float(opts.get("wait", 1.5)))
        if text is None:
            print("none")
            return
        print(text.split(" ", 2)[1])
        if opts.get("show"):
            sys.stdout.write(text.replace("\r\n", "\n"))
        if method == "INVITE":
            # RFC 3261 17.1.1.3: the ACK of a non-2xx final response.
            via = [l for l in text.split("\r\n") if l.startswith("Via:")]
            to = [l for l in text.split("\r\n") if l.startswith("To:")]
            cid = [l for l in text.split("\r\n") if l.startswith("Call-ID:")]
            ack = ("ACK sip:edge@%s:%d SIP/2.0\r\n%s\r\n"
                   "From: <sip:probe@example.net>;tag=edge0\r\n%s\r\n%s\r\n"
                   "CSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
                   "Content-Length: 0\r\n\r\n"
                   % (host, port, via[0] if via else "", to[0] if to else "",
                      cid[0] if cid else ""))
            s.sendto(ack.encode("latin-1"), (host, port))
    elif cmd == "many":
        method, n = sys.argv[5], int(sys.argv[6])
        opts = dict(a.split("=", 1) for a in sys.argv[7:])
        s = sock(src)
        me = s.getsockname()
        for i in range(n):
            s.sendto(build(method, host, port, me[0], me[1], i, opts),
                     (host, port))
        got = {}
        end = time.monotonic() + float(opts.get("wait", 1.5))
        while time.monotonic() < end:
            text = final_of(s, end - time.monotonic())
            if text is None:
                continue
            # Retransmissions (RFC 3261 17.2.1) count once per call.
            cid = [l for l in text.split("\r\n") if l.startswith("Call-ID:")]
            got[cid[0] if cid else len(got)] = text.split(" ", 2)[1]
        print(" ".join(sorted(got.values())) or "none")
    elif cmd == "burst":
        n = int(sys.argv[5])
        s = sock(src)
        me = s.getsockname()
        for i in range(n):
            s.sendto(build("OPTIONS", host, port, me[0], me[1], i, {}),
                     (host, port))
        got = 0
        while final_of(s, 0.5) is not None:
            got += 1
        print(got)
    elif cmd == "spray":
        prefix, n = src, int(sys.argv[5])
        got = 0
        socks = []
        for i in range(n):
            s = sock("%s.%d.%d" % (prefix, 1 + i // 250, 1 + i % 250))
            me = s.getsockname()
            s.sendto(build("OPTIONS", host, port, me[0], me[1], i, {}),
                     (host, port))
            socks.append(s)
            if len(socks) == 50:
                for t in socks:
                    got += final_of(t, 0.5) is not None
                    t.close()
                socks = []
        for t in socks:
            got += final_of(t, 0.5) is not None
            t.close()
        print(got)


main()
