/*
 * sip_print: building SIP messages from scratch into one buffer
 * (layer 1).
 *
 * Outgoing messages are never patched from an inbound buffer: the caller
 * prints a start line, the headers it decides to send, and the body.
 * sip_print_body writes Content-Length itself, so it is always right.
 */
#ifndef SBC_SIP_PRINT_H
#define SBC_SIP_PRINT_H

#include "sbc/buf.h"
#include "sbc/sip_hdr.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_uri.h"

void sip_print_request_line(struct buf *b, struct str method,
			    const struct sip_uri *ruri);
void sip_print_status_line(struct buf *b, unsigned status,
			   struct str reason);

/*
 * One header line with the canonical name of id.  The value is printed
 * with every fold and run of white space that contains a line break
 * replaced by one space, so the output never carries a folded line.
 */
void sip_print_hdr(struct buf *b, enum sip_hdr_id id, struct str value);
/* One header line with a caller-given name. */
void sip_print_hdr_named(struct buf *b, struct str name, struct str value);
/* Appends a header value with folds unfolded (no name, no CRLF). */
void sip_print_value(struct buf *b, struct str value);

void sip_print_uri(struct buf *b, const struct sip_uri *u);
void sip_print_via(struct buf *b, const struct sip_via *v);

/*
 * Prints the Via lines of a response to request m (RFC 3261 8.2.6.2):
 * every Via value in order, one per line.  The top one gets
 * received=src_ip when src_ip differs from its sent-by host or when it
 * carries rport, and rport=src_port when it carries rport (RFC 3261
 * 18.2.1, RFC 3581 4); received and rport values it already had are
 * replaced.  src_ip is the textual address, IPv6 without brackets; it is
 * compared with sent-by as an address (sip_host_same).
 */
void sip_print_response_vias(struct buf *b, const struct sip_msg *m,
			     struct str src_ip, unsigned src_port);

/*
 * Content-Type (when ctype is set), Content-Length, the empty line and the
 * body: the end of every message.
 */
void sip_print_body(struct buf *b, struct str ctype, struct str body);

/*
 * Reprints a parsed message as sbc would send it: canonical header names,
 * compact forms expanded, folds removed, one header per line as received,
 * Content-Length recomputed.  Returns b->err.
 */
int sip_print_msg(struct buf *b, const struct sip_msg *m);

/* The default reason phrase for a status code ("Not Found"), or "". */
const char *sip_reason_phrase(unsigned status);

#endif
