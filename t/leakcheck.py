#!/usr/bin/env python3
"""leakcheck: topology hiding and dialog checks on two SIPp message traces.

    leakcheck.py [OPTIONS] A_TRACE B_TRACE

A_TRACE and B_TRACE are the -trace_msg files (-message_file) of the two
SIPp instances of one test flow, one on each side of sbcd: the caller
and the callee.  Each trace records what that SIPp sent and received.

Leaks.  From the messages each side *sent* the checker takes what
identifies that side or its leg: Call-IDs, From and To tags, Via
branches, the host:port pairs and hosts of its Via sent-by (requests),
Contact and Record-Route, and the User-Agent and Server values.  None may
appear in any message the *other* side received (the whole message, or
its headers only with --headers-only; test scenarios keep their SDP
neutral with TEST-NET addresses).  With --sbc-a/--sbc-b, sbcd's address
on one side must not show on the other either.  A caller talking
straight to a callee leaks everything; a B2BUA that builds each leg
afresh leaks nothing.

Dialogs, on each side, from what it received (RFC 3261 12, 17):
  - tags: requests carry the peer's tag in From and this side's in To,
    responses the reverse, and the peer's tag never changes in a dialog;
  - CSeq: new requests from the peer grow; an ACK or CANCEL has the
    number of an INVITE;
  - with --forks the peer may answer an INVITE from several early
    dialogs (RFC 3261 12.1, 13.2.2.4): provisional responses may carry
    any To tag, a side may have sent several tags of its own, and CSeq
    grows within each dialog (by this side's tag);
  - branch: a CANCEL, and the ACK of a non-2xx final response, has the
    INVITE's branch; the ACK of a 2xx has another one;
  - Route: in-dialog requests carry the route set this side built with
    its Record-Route (in order when it sent the INVITE, reversed when it
    answered it), and out-of-dialog requests none;
  - Request-URI: in-dialog requests are sent to the Contact this side
    gave; a CANCEL or non-2xx ACK to the INVITE's Request-URI.

With --sbc-a / --sbc-b HOST:PORT (the sbcd listener each side talks to)
also: every request a side receives has one Via, sbcd's; every Contact it
receives is sbcd's; no request carries Record-Route, and a response that
makes a dialog carries exactly the Record-Route of the side's own
INVITE (RFC 3261 12.1.1).  --max-forwards: every request relayed from
one side to the other arrives with Max-Forwards one less than it was
sent with; requests are paired by method in order.  CANCEL, the ACK of
a non-2xx and BYE are left out: a B2BUA answers them on the leg they
come from and sends its own on the other.  --same-bodies: every body a
side receives is one the other side sent, unchanged.

Prints one line per finding, 'ok: GROUP: ...' or 'fail: GROUP: ...' with
the failures' details indented below, where GROUP is hiding, dialog,
sbc, max-forwards or bodies; exits 1 when anything failed, 2 on a usage
error or an unreadable trace.
"""
import argparse
import re
import sys

COMPACT = {
    "i": "call-id", "f": "from", "t": "to", "v": "via", "m": "contact",
    "l": "content-length", "c": "content-type", "k": "supported",
    "s": "subject", "e": "content-encoding", "r": "refer-to",
}
MULTI = ("via", "route", "record-route", "contact")
SEP = re.compile(r"^-{20,} ")
KIND = re.compile(r"^(UDP|TCP|TLS|SCTP) message (sent|received)\b")
TOKEN_CHARS = r"A-Za-z0-9_~%+\-"


class Msg:
    """One SIP message of a trace: direction, first line, headers, body."""

    def __init__(self, side, index, direction, raw):
        self.side = side
        self.index = index
        self.direction = direction
        self.raw = raw
        cut = re.search(r"\r?\n\r?\n", raw)
        head = raw[:cut.start()] if cut else raw
        body = raw[cut.end():] if cut else ""
        lines = re.split(r"\r?\n", head)
        self.first = lines[0].strip()
        self.head = head
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
                continue
            if ":" not in line:
                continue
            name, value = line.split(":", 1)
            name = name.strip().lower()
            name = COMPACT.get(name, name)
            value = value.strip()
            if name in MULTI:
                for part in split_commas(value):
                    self.headers.append((name, part))
            else:
                self.headers.append((name, value))
        length = self.get("content-length")
        if length is not None and length.isdigit():
            body = body[:int(length)]
        self.body = body
        parts = self.first.split(" ", 2)
        self.is_request = not self.first.startswith("SIP/")
        if self.is_request:
            self.method = parts[0]
            self.ruri = parts[1] if len(parts) > 1 else ""
            self.status = None
        else:
            self.method = None
            self.ruri = None
            code = parts[1] if len(parts) > 1 else ""
            self.status = int(code) if code.isdigit() else 0
        cseq = (self.get("cseq") or "").split()
        self.cseq = int(cseq[0]) if cseq and cseq[0].isdigit() else None
        self.cseq_method = cseq[1] if len(cseq) > 1 else None
        self.call_id = self.get("call-id")
        self.from_tag = tag_of(self.get("from"))
        self.to_tag = tag_of(self.get("to"))
        vias = self.all("via")
        self.branch = param(vias[0], "branch") if vias else None

    def get(self, name):
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n == name]

    def what(self):
        if self.index == 0:
            return self.direction
        label = self.method if self.is_request else "%d" % self.status
        if not self.is_request and self.cseq_method:
            label += " (%s)" % self.cseq_method
        return "%s %s #%d" % (label, self.direction, self.index)


def split_commas(value):
    """Splits a header value at commas outside quotes and angle brackets."""
    out, cur, quoted, angle = [], [], False, False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle = True
        elif ch == ">" and not quoted:
            angle = False
        elif ch == "," and not quoted and not angle:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def param(value, name):
    """A ;name=value parameter of a header value (outside <...>)."""
    if value is None:
        return None
    value = re.sub(r"<[^>]*>", "", value)
    for p in value.split(";")[1:]:
        k, _, v = p.partition("=")
        if k.strip().lower() == name:
            return v.strip()
    return None


def tag_of(value):
    return param(value, "tag")


def uri_of(value):
    """The URI of a name-addr or addr-spec header value."""
    if value is None:
        return None
    m = re.search(r"<([^>]*)>", value)
    if m:
        return m.group(1).strip()
    return value.split(";", 1)[0].strip()


def uri_parts(uri):
    """(user, host, port) of a sip: or sips: URI; port 0 when absent."""
    if uri is None:
        return None
    m = re.match(r"(?i)sips?:(?:([^@;]*)@)?(\[[^\]]*\]|[^:;?>]*)"
                 r"(?::(\d+))?", uri)
    if not m:
        return None
    return (m.group(1) or "", m.group(2).lower(), int(m.group(3) or 0))


def sent_by(via):
    """(host, port) of a Via value; port 0 when absent."""
    m = re.match(r"SIP\s*/\s*2\.0\s*/\s*\S+\s+(\[[^\]]*\]|[^:;\s]+)"
                 r"(?::(\d+))?", via or "", re.I)
    if not m:
        return None
    return (m.group(1).lower(), int(m.group(2) or 0))


def hostport(host, port):
    return "%s:%d" % (host, port) if port else host


def read_trace(path, side):
    """The messages of a SIPp -trace_msg file, in order."""
    with open(path, "rb") as f:
        text = f.read().decode("latin-1")
    msgs = []
    chunks = []
    cur = None
    for line in text.split("\n"):
        if SEP.match(line):
            cur = []
            chunks.append(cur)
        elif cur is not None:
            cur.append(line)
    for chunk in chunks:
        if not chunk:
            continue
        m = KIND.match(chunk[0])
        if not m:
            continue
        raw = "\n".join(chunk[1:]).lstrip("\n")
        if not raw.strip():
            continue
        msgs.append(Msg(side, len(msgs) + 1, m.group(2), raw))
    return msgs


class Report:
    def __init__(self):
        self.failed = 0

    def result(self, group, good, text, details=()):
        print(("ok: " if good else "fail: ") + group + ": " + text)
        if not good:
            self.failed += 1
            for d in list(details)[:8]:
                print("  " + d)
            if len(details) > 8:
                print("  ... and %d more" % (len(details) - 8))


def identifiers(msgs):
    """What the messages a side sent reveal: {token: (kind, message)}."""
    found = {}

    def add(token, kind, msg):
        if token and len(token) >= 3 and token not in found:
            found[token] = (kind, msg)

    for m in msgs:
        if m.direction != "sent":
            continue
        add(m.call_id, "Call-ID", m)
        add(m.from_tag, "From tag", m)
        add(m.to_tag, "To tag", m)
        for via in m.all("via"):
            add(param(via, "branch"), "Via branch", m)
        if m.is_request:
            vias = m.all("via")
            sb = sent_by(vias[0]) if vias else None
            if sb:
                add(hostport(*sb), "Via sent-by", m)
                add(sb[0], "Via host", m)
        for name in ("contact", "record-route"):
            for value in m.all(name):
                parts = uri_parts(uri_of(value))
                if parts:
                    add(hostport(parts[1], parts[2]), name.title(), m)
                    add(parts[1], name.title() + " host", m)
        for name in ("user-agent", "server"):
            for value in m.all(name):
                add(value, name.title(), m)
    return found


def check_leaks(rep, name_a, msgs_a, name_b, msgs_b, headers_only,
                sbc_a=None):
    tokens = identifiers(msgs_a)
    if not tokens:
        rep.result("hiding", False,
                   "%s sent nothing to take identifiers from" % name_a)
        return
    if sbc_a:
        # sbcd's own address on A's side names that side's network too.
        src = Msg(name_a, 0, "its listener on %s's side" % name_a,
                  "OPTIONS sip:x SIP/2.0")
        tokens.setdefault(sbc_a.lower(), ("sbcd address", src))
        tokens.setdefault(sbc_a.rpartition(":")[0].lower(),
                          ("sbcd host", src))
    received = [m for m in msgs_b if m.direction == "received"]
    if not received:
        rep.result("hiding", False,
                   "%s received nothing: no leak check possible" % name_b)
        return
    leaks = []
    for token, (kind, src) in sorted(tokens.items()):
        pat = re.compile(r"(?<![%s.])%s(?![%s])" %
                         (TOKEN_CHARS, re.escape(token), TOKEN_CHARS))
        for m in received:
            if pat.search(m.head if headers_only else m.raw):
                origin = src.what() if src.index == 0 else \
                    "%s's %s" % (name_a, src.what())
                leaks.append("%s %r (from %s) is in %s's %s" %
                             (kind, token, origin, name_b, m.what()))
                break
    rep.result("hiding", not leaks,
               "none of %d identifiers from %s reaches %s (%d messages)" %
               (len(tokens), name_a, name_b, len(received)), leaks)


def dialogs(msgs):
    by = {}
    for m in msgs:
        if m.call_id:
            by.setdefault(m.call_id, []).append(m)
    return by


def own_tag(msgs):
    for m in msgs:
        if m.direction == "sent":
            t = m.from_tag if m.is_request else m.to_tag
            if t:
                return t
    return None


def route_list(m):
    return [uri_of(v) for v in m.all("route")]


def rr_list(m):
    return [uri_of(v) for v in m.all("record-route")]


def own_tags(msgs):
    """Every tag a side sent as its own (forks: one per early dialog)."""
    return {m.from_tag if m.is_request else m.to_tag for m in msgs
            if m.direction == "sent"} - {None}


def check_dialogs(rep, name, msgs, forks=False):
    """RFC 3261 12 and 17 rules on what one side received."""
    tag_err, cseq_err, br_err, route_err, ruri_err = [], [], [], [], []
    for call_id, ms in dialogs(msgs).items():
        mine = own_tag(ms)
        mine_all = own_tags(ms) if forks else {mine}
        peer = None
        for m in ms:
            if m.direction != "received":
                continue
            if (forks and not m.is_request and m.cseq_method == "INVITE"
                    and m.status < 200):
                # Each fork's provisional response: an early dialog.
                continue
            t = m.from_tag if m.is_request else m.to_tag
            if t and peer is None:
                peer = t
            if t and t != peer:
                tag_err.append("%s: peer tag %s, was %s" % (m.what(), t, peer))
            t2 = m.to_tag if m.is_request else m.from_tag
            if t2 and mine and t2 not in mine_all:
                tag_err.append("%s: own tag %s, expected %s" %
                               (m.what(), t2, mine))
            if not m.is_request and not m.from_tag:
                tag_err.append("%s: no From tag" % m.what())
        # What this side sent: INVITEs by CSeq, final responses, RR, Contact.
        sent_invites, received_invites, finals = {}, {}, {}
        rr_uac, rr_uas, contacts = None, None, []
        for m in ms:
            if m.direction == "sent":
                if m.is_request and m.method == "INVITE":
                    sent_invites.setdefault(m.cseq, m)
                    if m.to_tag is None and rr_uac is None:
                        rr_uac = rr_list(m)
                if (not m.is_request and m.cseq_method == "INVITE"
                        and m.status >= 200):
                    finals.setdefault(m.cseq, m.status)
                if (not m.is_request and m.cseq_method == "INVITE"
                        and 101 <= m.status < 300 and m.to_tag
                        and rr_uas is None and m.all("record-route")):
                    rr_uas = list(reversed(rr_list(m)))
                for c in m.all("contact"):
                    contacts.append(uri_parts(uri_of(c)))
            elif m.is_request and m.method == "INVITE":
                received_invites.setdefault(m.cseq, m)
        route_set = rr_uac if rr_uac else (rr_uas or [])
        seen, last, last_by = set(), None, {}
        for m in ms:
            if m.direction != "received" or not m.is_request:
                continue
            key = (m.method, m.cseq, m.branch)
            retrans = key in seen
            seen.add(key)
            inv = received_invites.get(m.cseq)
            if m.method in ("ACK", "CANCEL"):
                if inv is None:
                    cseq_err.append("%s: CSeq %s matches no INVITE" %
                                    (m.what(), m.cseq))
            elif not retrans:
                if forks and m.to_tag is not None:
                    last = last_by.get(m.to_tag, last_by.get(None))
                if last is not None and (m.cseq is None or m.cseq <= last):
                    cseq_err.append("%s: CSeq %s after %s" %
                                    (m.what(), m.cseq, last))
                last = m.cseq
                last_by[m.to_tag] = m.cseq
            non2xx_ack = (m.method == "ACK" and
                          finals.get(m.cseq, 200) >= 300)
            if m.method == "CANCEL" or non2xx_ack:
                if inv is not None and m.branch != inv.branch:
                    br_err.append("%s: branch %s, the INVITE's is %s" %
                                  (m.what(), m.branch, inv.branch))
                if inv is not None and m.ruri != inv.ruri:
                    ruri_err.append("%s: Request-URI %s, the INVITE's is %s"
                                    % (m.what(), m.ruri, inv.ruri))
            elif (m.method == "ACK" and inv is not None
                  and m.branch == inv.branch):
                br_err.append("%s: the ACK of a 2xx reuses the INVITE's "
                              "branch %s" % (m.what(), m.branch))
            in_dialog = m.to_tag is not None and m.method != "CANCEL" \
                and not non2xx_ack
            want = route_set if in_dialog else []
            if m.method == "CANCEL" and inv is not None:
                want = route_list(inv)
            got = route_list(m)
            if got != want:
                route_err.append("%s: Route %s, expected %s" %
                                 (m.what(), got or "none", want or "none"))
            if in_dialog and contacts:
                target = uri_parts(m.ruri)
                ok = target is not None and any(
                    c and c[0] == target[0] and c[1] == target[1]
                    and (c[2] or 5060) == (target[2] or 5060)
                    for c in contacts)
                if not ok:
                    ruri_err.append("%s: Request-URI %s is no Contact this "
                                    "side gave" % (m.what(), m.ruri))
    rep.result("dialog", not tag_err,
               "%s: the dialog tags are consistent" % name, tag_err)
    rep.result("dialog", not cseq_err,
               "%s: the CSeq of received requests grows" % name, cseq_err)
    rep.result("dialog", not br_err,
               "%s: CANCEL and ACK branches follow RFC 3261 17" % name,
               br_err)
    rep.result("dialog", not route_err,
               "%s: received requests carry the route set "
               "(RFC 3261 12.1, 12.2.1.1)" % name, route_err)
    rep.result("dialog", not ruri_err,
               "%s: received requests have the right Request-URI" % name,
               ruri_err)


def check_sbc(rep, name, msgs, sbc):
    """What a side receives from sbcd names sbcd only."""
    via_err, contact_err, rr_err = [], [], []
    host, _, port = sbc.rpartition(":")
    want = (host.lower(), int(port))
    rr_sent = {}
    for m in msgs:
        if (m.direction == "sent" and m.is_request and m.method == "INVITE"
                and m.to_tag is None):
            rr_sent.setdefault(m.call_id, rr_list(m))
    for m in msgs:
        if m.direction != "received":
            continue
        if m.is_request:
            vias = m.all("via")
            if len(vias) != 1 or sent_by(vias[0]) != want:
                via_err.append("%s: Via %s" % (m.what(), vias))
            if m.all("record-route"):
                rr_err.append("%s: Record-Route %s" %
                              (m.what(), m.all("record-route")))
        else:
            makes_dialog = (m.cseq_method == "INVITE" and m.to_tag
                            and 101 <= m.status < 300)
            expect = rr_sent.get(m.call_id, []) if makes_dialog else []
            if rr_list(m) != expect:
                rr_err.append("%s: Record-Route %s, expected %s" %
                              (m.what(), rr_list(m) or "none",
                               expect or "none"))
        contacts = m.all("contact")
        for c in contacts:
            parts = uri_parts(uri_of(c))
            if parts is None or (parts[1], parts[2] or 5060) != want:
                contact_err.append("%s: Contact %s" % (m.what(), c))
        needs = (m.is_request and m.method in ("INVITE", "UPDATE")) or \
            (not m.is_request and m.cseq_method in ("INVITE", "UPDATE")
             and 200 <= m.status < 300)
        if needs and len(contacts) != 1:
            contact_err.append("%s: %d Contact headers" %
                               (m.what(), len(contacts)))
    rep.result("sbc", not via_err, "%s: every request has one Via, sbcd's %s" %
               (name, sbc), via_err)
    rep.result("sbc", not contact_err, "%s: every Contact is sbcd's %s" %
               (name, sbc), contact_err)
    rep.result("sbc", not rr_err, "%s: Record-Route only echoes its own "
               "(RFC 3261 12.1.1)" % name, rr_err)


def relayed_requests(msgs, direction):
    """The requests a side sent or received that a B2BUA relays, by
    method, in order, without retransmissions: all but CANCEL, the ACK
    of a non-2xx final response and BYE, which sbcd answers on the leg
    they arrive on and sends anew on the other."""
    finals = {}
    for m in msgs:
        if not m.is_request and m.cseq_method == "INVITE" and m.status >= 200:
            finals.setdefault((m.call_id, m.cseq), m.status)
    out, seen = {}, set()
    for m in msgs:
        if m.direction != direction or not m.is_request:
            continue
        final = finals.get((m.call_id, m.cseq), 200)
        if m.method in ("CANCEL", "BYE") or (
                m.method == "ACK" and final >= 300):
            continue
        key = (m.call_id, m.cseq, m.method, m.branch)
        if key in seen:
            continue
        seen.add(key)
        out.setdefault(m.method, []).append(m)
    return out


def check_max_forwards(rep, name_a, msgs_a, name_b, msgs_b):
    errs = []
    sent = relayed_requests(msgs_a, "sent")
    got = relayed_requests(msgs_b, "received")
    pairs = 0
    for method, ms in sorted(sent.items()):
        for s, r in zip(ms, got.get(method, [])):
            pairs += 1
            mf_s, mf_r = s.get("max-forwards"), r.get("max-forwards")
            if not (mf_s and mf_r and mf_s.isdigit() and mf_r.isdigit()
                    and int(mf_r) == int(mf_s) - 1):
                errs.append("%s's %s has Max-Forwards %s, %s's %s has %s" %
                            (name_a, s.what(), mf_s, name_b, r.what(), mf_r))
    if pairs:
        rep.result("max-forwards", not errs,
                   "Max-Forwards one less on the %d requests relayed from "
                   "%s to %s" % (pairs, name_a, name_b), errs)


def check_bodies(rep, name_a, msgs_a, name_b, msgs_b):
    sent = {m.body for m in msgs_a if m.direction == "sent" and m.body}
    errs = [m.what() for m in msgs_b
            if m.direction == "received" and m.body and m.body not in sent]
    rep.result("bodies", not errs,
               "every body %s received is one %s sent, unchanged"
               % (name_b, name_a), errs)


def main():
    ap = argparse.ArgumentParser(
        description="Topology hiding and dialog checks on two SIPp traces.")
    ap.add_argument("trace_a")
    ap.add_argument("trace_b")
    ap.add_argument("--names", default="caller,callee",
                    help="names of the two sides (default caller,callee)")
    ap.add_argument("--sbc-a", metavar="HOST:PORT")
    ap.add_argument("--sbc-b", metavar="HOST:PORT")
    ap.add_argument("--max-forwards", action="store_true")
    ap.add_argument("--same-bodies", action="store_true")
    ap.add_argument("--headers-only", action="store_true")
    ap.add_argument("--forks", action="store_true")
    try:
        args = ap.parse_args()
    except SystemExit:
        sys.exit(2)
    names = args.names.split(",")
    if len(names) != 2:
        ap.error("--names wants two names")
    try:
        a = read_trace(args.trace_a, names[0])
        b = read_trace(args.trace_b, names[1])
    except OSError as e:
        print("fail: cannot read a trace: %s" % e)
        sys.exit(2)
    rep = Report()
    check_leaks(rep, names[0], a, names[1], b, args.headers_only,
                args.sbc_a)
    check_leaks(rep, names[1], b, names[0], a, args.headers_only,
                args.sbc_b)
    for name, msgs in ((names[0], a), (names[1], b)):
        check_dialogs(rep, name, msgs, args.forks)
    if args.sbc_a:
        check_sbc(rep, names[0], a, args.sbc_a)
    if args.sbc_b:
        check_sbc(rep, names[1], b, args.sbc_b)
    if args.max_forwards:
        check_max_forwards(rep, names[0], a, names[1], b)
        check_max_forwards(rep, names[1], b, names[0], a)
    if args.same_bodies:
        check_bodies(rep, names[0], a, names[1], b)
        check_bodies(rep, names[1], b, names[0], a)
    sys.exit(1 if rep.failed else 0)


if __name__ == "__main__":
    main()
