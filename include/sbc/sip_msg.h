/*
 * sip_msg: a received SIP message, parsed into slices (layer 1).
 *
 * sip_msg_parse tokenizes the start line and every header line, maps
 * header names to ids, and parses eagerly only what every decision needs
 * and what validity demands: the top Via, From, To, Call-ID, CSeq,
 * Max-Forwards and Content-Length.  Everything else is parsed on demand
 * with the sip_hdr functions.  The message does not own its bytes; the
 * buffer must outlive it.  No memory is allocated.
 */
#ifndef SBC_SIP_MSG_H
#define SBC_SIP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/sip_hdr.h"
#include "sbc/sip_uri.h"
#include "sbc/str.h"

/*
 * Header lines kept per message; more is an error ("too many headers").
 * A message without Content-Length may have one line fewer, so that every
 * message accepted can be reprinted with the Content-Length a printer
 * adds.
 */
#define SIP_MSG_MAX_HDRS 128

struct sip_hdr {
	struct str name;	/* as received */
	struct str value;	/* trimmed; folds left in place */
	uint16_t id;		/* enum sip_hdr_id */
	int16_t next;		/* next line with the same id, or -1 */
};

struct sip_msg {
	struct str raw;		/* start line to end of body */
	unsigned is_request : 1;

	/* Request line. */
	struct str method_s;
	enum sip_method method;
	struct sip_uri ruri;

	/* Status line. */
	unsigned status;
	struct str reason;

	uint16_t n_hdr;
	int16_t first[SIP_HDR_COUNT];	/* first line of each id, or -1 */

	/* Parsed eagerly. */
	struct sip_via via;		/* the top Via value */
	struct sip_addr from;
	struct sip_addr to;
	struct str call_id;
	struct sip_cseq cseq;
	int max_forwards;		/* -1 when absent: accepted, although
					   RFC 3261 8.1.1 makes it mandatory;
					   a relay then uses 70 */
	int64_t content_length;		/* -1 when absent */
	struct str body;

	/* Last, so that a copy may keep only the n_hdr lines it has (the
	 * transaction layer does): nothing may follow this array. */
	struct sip_hdr hdr[SIP_MSG_MAX_HDRS];
};

/* The bytes of a struct sip_msg that holds n header lines. */
#define SIP_MSG_SIZE(n) \
	(offsetof(struct sip_msg, hdr) + (size_t)(n) * sizeof(struct sip_hdr))

/* How the message arrived; RFC 3261 18.3 differs for the two. */
enum sip_msg_mode {
	SIP_MSG_DATAGRAM = 0,	/* missing Content-Length: the rest is body */
	SIP_MSG_STREAM = 1,	/* Content-Length is mandatory */
};

/*
 * Parses len bytes at p.  Leading CRLFs are skipped (RFC 3261 7.5).  In a
 * datagram, bytes after Content-Length are ignored (18.3); on a stream the
 * framer has cut the message, and bytes after it are an error.  Lines end
 * in CRLF; a bare CR or LF, or any other control character than HT, in
 * the start line or headers is an error, so no value that is copied into
 * an outgoing message can break its lines.  Returns 0, or
 * -EBADMSG with *err set to a specific reason fit for a 400 reason phrase.
 * On failure the fields parsed so far stay valid (a server may still find
 * a Via to answer to).
 */
int sip_msg_parse(struct sip_msg *m, const char *p, size_t len,
		  enum sip_msg_mode mode, const char **err);
/*
 * The same into a struct sip_msg with room for only room header lines
 * (SIP_MSG_SIZE(room) bytes): a message with more returns -E2BIG, having
 * written no further than hdr[room - 1], so that a copy can be parsed
 * once into a block of a common size and again only if it did not fit.
 */
int sip_msg_parse_room(struct sip_msg *m, const char *p, size_t len,
		       enum sip_msg_mode mode, unsigned room,
		       const char **err);

/* First header line with the given id, or NULL. */
const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m,
				  enum sip_hdr_id id);
/* The next line with the same id as h, or NULL. */
const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *m,
				       const struct sip_hdr *h);
/* First line of an unknown header by name, case-insensitively, or NULL. */
const struct sip_hdr *sip_msg_hdr_find(const struct sip_msg *m,
				       const char *name);

/*
 * Iterates every comma-separated value of one header over all its lines,
 * in message order (Via, Route, Record-Route, Contact, Allow, ...).
 */
struct sip_vals {
	const struct sip_msg *m;
	int idx;
	struct str rest;
};

void sip_vals_init(struct sip_vals *it, const struct sip_msg *m,
		   enum sip_hdr_id id);
int sip_vals_next(struct sip_vals *it, struct str *val);
/* Number of values of a header over all its lines. */
unsigned sip_msg_count(const struct sip_msg *m, enum sip_hdr_id id);

#endif
