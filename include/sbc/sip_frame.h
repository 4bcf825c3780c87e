/*
 * sip_frame: finding message boundaries in a TCP or TLS byte stream
 * (layer 1; RFC 3261 18.3, RFC 5626 3.5.1).
 *
 * The transport appends what it reads to a buffer and calls
 * sip_frame_next until it returns SIP_FRAME_MORE, consuming *used bytes
 * after each result.  Nothing is copied.
 */
#ifndef SBC_SIP_FRAME_H
#define SBC_SIP_FRAME_H

#include <stddef.h>

struct sip_frame_limits {
	size_t max_hdr;		/* start line and headers, bytes */
	size_t max_body;	/* Content-Length, bytes */
};

#define SIP_FRAME_DEFAULT_MAX_HDR 16384
#define SIP_FRAME_DEFAULT_MAX_BODY 65536

enum sip_frame_rc {
	SIP_FRAME_MORE = 0,	/* incomplete; read more */
	SIP_FRAME_MSG,		/* a message of *used bytes */
	SIP_FRAME_PING,		/* CRLFCRLF keep-alive; answer with CRLF */
	SIP_FRAME_PONG,		/* a lone CRLF: the answer to our ping */
	SIP_FRAME_ERROR,	/* broken framing; close the stream */
};

/*
 * Looks at the start of p.  On SIP_FRAME_ERROR *err says why (no or bad
 * Content-Length, header section over the limit, body over the limit).
 * A NULL limits pointer means the defaults.
 */
enum sip_frame_rc sip_frame_next(const char *p, size_t len,
				 const struct sip_frame_limits *lim,
				 size_t *used, const char **err);

#endif
