#!/usr/bin/env python3
# Writes the seeds of fuzz_input into contrib/fuzz/corpus_input/: call
# flows as datagrams separated by NUL bytes, with the placeholders and
# prefixes that contrib/fuzz/fuzz_input.c describes.  Run it from
# contrib/fuzz/ after changing it.
import os
out = 'corpus_input'
def msg(lines, body='', extra=()):
    lines = list(lines) + list(extra)
    if body:
        lines.append('Content-Type: application/sdp')
    hdr = '\r\n'.join(lines)
    return hdr + '\r\nContent-Length: %d\r\n\r\n' % len(body.encode()) + body

SDP = ('v=0\r\no=alice 1 1 IN IP4 192.0.2.101\r\ns=-\r\nc=IN IP4 192.0.2.101\r\n'
       't=0 0\r\nm=audio 49172 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n')
SDPB = SDP.replace('alice', 'bob').replace('192.0.2.101', '198.51.100.7')

def invite(branch='z9hG4bKa1', cseq=1, extra=(), ruri='sip:bob@biloxi.example.com', body=SDP, method='INVITE', totag=None, callid='call-1@pc33'):
    to = 'To: Bob <sip:bob@biloxi.example.com>' + (';tag=' + totag if totag else '')
    l = ['%s %s SIP/2.0' % (method, ruri),
         'Via: SIP/2.0/UDP 127.0.0.1:9;branch=%s;rport' % branch,
         'Max-Forwards: 70', to,
         'From: "Alice" <sip:alice@atlanta.example.com>;tag=a-tag-1',
         'Call-ID: ' + callid,
         'CSeq: %d %s' % (cseq, method),
         'Contact: <sip:alice@127.0.0.1:9>']
    return msg(l, body, extra)

def bresp(status, reason, method='INVITE', totag='b-tag-1', body='', extra=()):
    l = ['B:SIP/2.0 %d %s' % (status, reason),
         'Via: SIP/2.0/UDP 127.0.0.1;branch=$BRANCH',
         'To: <sip:bob@biloxi.example.com>' + (';tag=' + totag if totag else ''),
         'From: <sip:alice@atlanta.example.com>;tag=$BTAG',
         'Call-ID: $CALLID',
         'CSeq: $BCSEQ ' + method,
         'Contact: <sip:bob@$BADDR>']
    return msg(l, body, extra)

def breq(method, cseq=100, body='', extra=()):
    l = ['B:%s sip:alice@127.0.0.1 SIP/2.0' % method,
         'Via: SIP/2.0/UDP $BADDR;branch=z9hG4bKb%s%d' % (method, cseq),
         'Max-Forwards: 70',
         'From: <sip:bob@biloxi.example.com>;tag=b-tag-1',
         'To: <sip:alice@atlanta.example.com>;tag=$BTAG',
         'Call-ID: $CALLID',
         'CSeq: %d %s' % (cseq, method),
         'Contact: <sip:bob@$BADDR>']
    return msg(l, body, extra)

def aresp(status, method):
    l = ['SIP/2.0 %d OK' % status,
         'Via: SIP/2.0/UDP 127.0.0.1;branch=$ABRANCH',
         'From: <sip:bob@biloxi.example.com>;tag=$ATAG',
         'To: "Alice" <sip:alice@atlanta.example.com>;tag=a-tag-1',
         'Call-ID: call-1@pc33',
         'CSeq: $ACSEQ ' + method]
    return msg(l)

def ack(branch='z9hG4bKa2', totag='$ATAG', cseq=1):
    return invite(branch=branch, cseq=cseq, method='ACK', body='', totag=totag)

def indlg(method, branch, cseq, body='', extra=()):
    return invite(branch=branch, cseq=cseq, method=method, body=body, totag='$ATAG', extra=extra)

seqs = {
 'answered-bye-caller': [invite(), bresp(100, 'Trying', totag=None), bresp(180, 'Ringing'),
     bresp(200, 'OK', body=SDPB), ack(), indlg('BYE', 'z9hG4bKa3', 2), bresp(200, 'OK', method='BYE')],
 'answered-bye-callee': [invite(), bresp(200, 'OK', body=SDPB), ack(), breq('BYE'), aresp(200, 'BYE')],
 'cancel': [invite(), bresp(180, 'Ringing'), invite(method='CANCEL', body='', cseq=1),
     bresp(200, 'OK', method='CANCEL', totag=None), bresp(487, 'Request Terminated'),
     ack(branch='z9hG4bKa1')],
 'rejected': [invite(), bresp(486, 'Busy Here'), ack(branch='z9hG4bKa1')],
 'reinvite': [invite(), bresp(200, 'OK', body=SDPB), ack(), indlg('INVITE', 'z9hG4bKa4', 2, body=SDP),
     bresp(200, 'OK', body=SDPB), indlg('ACK', 'z9hG4bKa5', 2), indlg('INFO', 'z9hG4bKa6', 3),
     bresp(200, 'OK', method='INFO'), breq('UPDATE', 101), aresp(200, 'UPDATE')],
 'retransmit': [invite(), invite(), bresp(200, 'OK', body=SDPB), bresp(200, 'OK', body=SDPB), ack(), ack()],
 'prack': [invite(extra=['Supported: 100rel']),
     bresp(183, 'Session Progress', body=SDPB, extra=['Require: 100rel', 'RSeq: 1']),
     indlg('PRACK', 'z9hG4bKa7', 2, extra=['RAck: 1 1 INVITE']), bresp(200, 'OK', body=SDPB)],
 'options': [invite(method='OPTIONS', body='', ruri='sip:127.0.0.1')],
 'max-forwards-0': [invite().replace('Max-Forwards: 70', 'Max-Forwards: 0')],
 'message': [invite(method='MESSAGE', body='').replace('\r\nContent-Length: 0', '\r\nContent-Type: text/plain\r\nContent-Length: 2') + 'hi',
     bresp(200, 'OK', method='MESSAGE')],
 'register': [invite(method='REGISTER', body='', ruri='sip:atlanta.example.com')],
 'bye-no-dialog': [indlg('BYE', 'z9hG4bKa8', 5)],
 'stray-response': [bresp(200, 'OK')],
 'auth-invite': ['U:' + invite(extra=['Authorization: Digest username="alice", realm="sbc.test", '
     'nonce="00000000000000000000000000000000000000000000000000000000000000", uri="sip:bob@biloxi.example.com", '
     'response="6629fae49393a05397450978507c4ef1", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b"'])],
 'auth-invite-sha256': ['U:' + invite(extra=['Authorization: Digest username="alice", realm="sbc.test", '
     'nonce="x", uri="sip:bob@biloxi.example.com", response="' + '0'*64 + '", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c"'])],
 'auth-noauth': ['U:' + invite()],
 'timeout': [invite(), bresp(100, 'Trying', totag=None)],
}
for name, parts in seqs.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(b'\0'.join(p.encode() for p in parts))
print(len(seqs))
