/*
 * dlg: one leg of a call as a UA dialog (layer 4, RFC 3261 12).
 *
 * A dialog holds what RFC 3261 12.1 lists as dialog state: Call-ID,
 * local and remote tags, local and remote CSeq, local and remote URI,
 * remote target and route set.  It is built from SIP messages and prints
 * the dialog part of the requests sent in it (12.2.1.1), so the session
 * core never handles Route, From, To, Call-ID or CSeq by hand.  It keeps
 * copies of what it needs: messages may go away after a call.
 *
 * Route sets: on the UAC side the Record-Route of the response, reversed
 * (12.1.2); on the UAS side the Record-Route of the request, in order
 * (12.1.1).  Each entry is kept as the whole name-addr text as received,
 * unfolded, with angle brackets added where an addr-spec lacked them, so
 * printing it as a Route value gives back what the peer meant (the
 * seed's 200 OK and ACK show the order).
 */
#ifndef SBC_DLG_H
#define SBC_DLG_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/buf.h"
#include "sbc/sip_msg.h"
#include "sbc/str.h"

enum dlg_state {
	DLG_EARLY = 1,		/* from a 1xx with a To tag */
	DLG_CONFIRMED,		/* from a 2xx */
	DLG_TERMINATED,
};

struct dlg {
	enum dlg_state state;
	unsigned uac : 1;	/* this side sent the request that made it */
	unsigned secure : 1;	/* sips Request-URI over TLS (12.1.1) */
	unsigned remote_cseq_set : 1;
	char *call_id;
	char *local_tag;
	char *remote_tag;
	uint32_t local_cseq;	/* the last CSeq number used by this side */
	uint32_t remote_cseq;	/* the last CSeq number the peer used */
	char *local_uri;	/* From (UAC) or To (UAS) address, no tag:
				   "<sip:a@b>" or "\"A\" <sip:a@b>" */
	char *remote_uri;	/* the other one */
	char *remote_target;	/* the peer's Contact URI, no brackets */
	char **route;		/* route set, in the order Route headers are
				   sent; each a name-addr ("<sip:p;lr>") */
	size_t n_route;
};

/*
 * UAC: the dialog a 1xx with a To tag or a 2xx to our request creates
 * (RFC 3261 12.1.2).  req is the request as sent, rsp the response.
 * Returns 0 or a negative errno (-EINVAL when rsp has no To tag, or a
 * Contact that is missing where it is mandatory, -ENOMEM).
 */
int dlg_uac_new(const struct sip_msg *req, const struct sip_msg *rsp,
		struct dlg **out);

/*
 * UAC: the dialog a 2xx of another fork creates (RFC 3261 13.2.2.4),
 * from d, the dialog of the first answer to the same INVITE (its local
 * side, Call-ID and the INVITE's CSeq), and rsp, the fork's 2xx (its
 * tag, Contact and Record-Route).  The INVITE itself is not needed, so
 * this works after its transaction dropped it.  The new dialog's CSeq
 * goes on from d's.  Returns 0 or a negative errno
 * (-EINVAL for a response of another dialog or without Contact).
 */
int dlg_uac_fork(const struct dlg *d, const struct sip_msg *rsp,
		 struct dlg **out);

/*
 * UAS: the dialog our response with local_tag creates for req
 * (12.1.1); early until dlg_confirm.  Returns 0 or a negative errno.
 */
int dlg_uas_new(const struct sip_msg *req, struct str local_tag,
		struct dlg **out);

/*
 * A 2xx to the request that made an early UAC dialog confirms it; the
 * route set and remote target are taken again from the 2xx (12.1.2,
 * 13.2.2.4).  For a UAS dialog rsp may be NULL.  Afterwards the route set
 * never changes (12.2).
 */
int dlg_confirm(struct dlg *d, const struct sip_msg *rsp);

/*
 * Target refresh (12.2.1.2, 12.2.2): the Contact of a re-INVITE or UPDATE
 * request, or of the 2xx to one, replaces the remote target.  A message
 * without Contact changes nothing.
 */
int dlg_refresh_target(struct dlg *d, const struct sip_msg *m);

/*
 * RFC 3261 12.2.2: a request whose CSeq is lower than the last the peer
 * used is out of order (answer 500); otherwise it is recorded.  ACK and
 * CANCEL carry the number of their INVITE and are not checked.  Returns
 * 0 or -ERANGE.
 */
int dlg_remote_cseq(struct dlg *d, const struct sip_msg *req);

/* Whether a request belongs to d: Call-ID, and the From tag is the
 * remote tag and the To tag the local one (12.2.2). */
int dlg_match_request(const struct dlg *d, const struct sip_msg *req);
/* Whether a response belongs to d (Call-ID and both tags, 12.2.1.2). */
int dlg_match_response(const struct dlg *d, const struct sip_msg *rsp);

/*
 * Prints the start of a request in the dialog (RFC 3261 12.2.1.1): the
 * request line and the Route headers, with loose routing when the first
 * route has lr and strict routing (the first route as Request-URI, the
 * remote target as the last Route) when not; then From, To, Call-ID and
 * CSeq.  cseq 0 takes the next local CSeq number; ACK and CANCEL pass
 * the number of their INVITE.  next_hop receives the URI the request
 * must be sent to (RFC 3263 resolves it): the first route, or the remote
 * target when there is none.  The caller prints Via, Max-Forwards,
 * Contact, the other headers and the body.  Returns 0, or -ENOMEM
 * (-ENOBUFS for a fixed buffer), -ERANGE when the CSeq number would pass
 * 2^32 - 1, -EINVAL for a stored URI that no longer parses.
 */
int dlg_print_request(struct buf *b, struct dlg *d, struct str method,
		      uint32_t cseq, struct buf *next_hop);

/*
 * A confirmed dialog rebuilt from stored state, after a restart: the
 * fields of in (its strings are copied), and the route set as
 * route_set, one Route value per line as dlg_route_print wrote it.
 * Returns 0, -EINVAL when a field is missing, or -ENOMEM.
 */
int dlg_restore(const struct dlg *in, const char *route_set, struct dlg **out);

/* The route set, one value per line (no newline after the last). */
void dlg_route_print(const struct dlg *d, struct buf *b);

void dlg_free(struct dlg *d);

#endif
