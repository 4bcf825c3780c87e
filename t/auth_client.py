#!/usr/bin/env python3
"""A digest-authenticating SIP client and a callee for t/auth.sh.

Sends an out-of-dialog MESSAGE over UDP to sbcd, takes the 401, answers
one of its challenges (RFC 3261 22.2, RFC 7616 3.4 with MD5 or SHA-256,
qop=auth) and prints the status of the answer to the request with
credentials.  A thread answers MESSAGE with 200 at --callee and records
what it got there, so that the test sees what crossed.

  auth_client.py --server IP:PORT --callee IP:PORT --user U --password P
                 [--alg SHA-256|MD5] [--wait S] [--dump FILE]
                 [--callee-log FILE]

--wait sleeps between the 401 and the answer (to let the nonce expire);
--dump writes the 401 that answered the credentials with its tag, nonce,
branch and Call-ID masked, so that two refusals can be compared.
Prints "401 stale" for a 401 with stale=true.
"""
import argparse
import hashlib
import os
import re
import socket
import sys
import threading
import time


def H(alg, s):
    f = hashlib.sha256 if alg == "SHA-256" else hashlib.md5
    return f(s.encode()).hexdigest()


def recv_final(s):
    """The first final response (status >= 200) on s."""
    while True:
        data, _ = s.recvfrom(65535)
        text = data.decode("latin-1")
        m = re.match(r"SIP/2.0 (\d+)", text)
        if m and int(m.group(1)) >= 200:
            return int(m.group(1)), text


def callee(addr, log):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.bind(addr)
    c.settimeout(0.2)
    while not stop.is_set():
        try:
            data, src = c.recvfrom(65535)
        except socket.timeout:
            continue
        text = data.decode("latin-1")
        if log:
            with open(log, "a") as f:
                f.write(text + "\n----\n")
        if not text.startswith("MESSAGE "):
            continue
        head = text.split("\r\n\r\n", 1)[0].split("\r\n")
        keep = [h for h in head[1:] if re.match(
            r"(?i)(via|from|to|call-id|cseq):", h)]
        keep = [h + (";tag=callee1" if h.lower().startswith("to:")
                     and ";tag=" not in h else "") for h in keep]
        c.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
                  "\r\nContent-Length: 0\r\n\r\n").encode(), src)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--callee")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--alg", default="SHA-256")
    ap.add_argument("--wait", type=float, default=0)
    ap.add_argument("--dump")
    ap.add_argument("--callee-log")
    a = ap.parse_args()
    host, port = a.server.rsplit(":", 1)
    dest = (host, int(port))
    if a.callee:
        ch, cp = a.callee.rsplit(":", 1)
        threading.Thread(target=callee, args=((ch, int(cp)), a.callee_log),
                         daemon=True).start()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    lport = s.getsockname()[1]
    ruri = "sip:bob@%s:%s" % dest
    callid = os.urandom(8).hex()

    def send(cseq, auth=None):
        msg = ("MESSAGE %s SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
               "From: <sip:%s@a.example>;tag=%s\r\n"
               "To: <sip:bob@b.example>\r\n"
               "Call-ID: %s\r\nCSeq: %d MESSAGE\r\nMax-Forwards: 70\r\n"
               % (ruri, lport, os.urandom(6).hex(), a.user,
                  os.urandom(4).hex(), callid, cseq))
        if auth:
            msg += "Authorization: " + auth + "\r\n"
        msg += "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
        s.sendto(msg.encode(), dest)

    send(1)
    status, text = recv_final(s)
    if status != 401:
        print(status)
        return
    chals = re.findall(r"(?im)^WWW-Authenticate:\s*Digest (.*)$", text)
    chal = None
    for c in chals:
        p = dict(re.findall(r'(\w+)="?([^",]*)"?', c))
        if p.get("algorithm", "MD5").upper() == a.alg.upper():
            chal = p
    if not chal:
        print("no %s challenge" % a.alg)
        return
    if a.wait:
        time.sleep(a.wait)
    cnonce, nc = os.urandom(8).hex(), "00000001"
    ha1 = H(a.alg, "%s:%s:%s" % (a.user, chal["realm"], a.password))
    ha2 = H(a.alg, "MESSAGE:" + ruri)
    resp = H(a.alg, ":".join([ha1, chal["nonce"], nc, cnonce, "auth", ha2]))
    auth = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
            'response="%s", algorithm=%s, cnonce="%s", qop=auth, nc=%s'
            % (a.user, chal["realm"], chal["nonce"], ruri, resp, a.alg,
               cnonce, nc))
    send(2, auth)
    status, text = recv_final(s)
    if a.dump:
        t = re.sub(r'nonce="[0-9a-f]+"', 'nonce="N"', text)
        t = re.sub(r"tag=[^;\r\n]+", "tag=T", t)
        t = re.sub(r"branch=[^;\r\n]+", "branch=B", t)
        with open(a.dump, "w") as f:
            f.write(t)
    print("%d%s" % (status, " stale" if status == 401 and
                     re.search(r"stale=true", text) else ""))
    stop.set()


stop = threading.Event()
main()
stop.set()
