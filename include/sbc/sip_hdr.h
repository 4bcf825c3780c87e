/*
 * sip_hdr: header names and the values that decisions need (layer 1).
 *
 * Every parsed value is a slice into the message.  Values may contain
 * folded line breaks (CRLF followed by SP or HT, RFC 3261 7.3.1); the
 * parsers here treat them as white space.
 */
#ifndef SBC_SIP_HDR_H
#define SBC_SIP_HDR_H

#include <stdint.h>

#include "sbc/sip_uri.h"
#include "sbc/str.h"

/* Header names the core knows; anything else is SIP_HDR_OTHER. */
enum sip_hdr_id {
	SIP_HDR_OTHER = 0,
	SIP_HDR_ACCEPT,
	SIP_HDR_ACCEPT_CONTACT,
	SIP_HDR_ACCEPT_ENCODING,
	SIP_HDR_ALLOW,
	SIP_HDR_ALLOW_EVENTS,
	SIP_HDR_AUTHORIZATION,
	SIP_HDR_CALL_ID,
	SIP_HDR_CONTACT,
	SIP_HDR_CONTENT_DISPOSITION,
	SIP_HDR_CONTENT_ENCODING,
	SIP_HDR_CONTENT_LENGTH,
	SIP_HDR_CONTENT_TYPE,
	SIP_HDR_CSEQ,
	SIP_HDR_EVENT,
	SIP_HDR_EXPIRES,
	SIP_HDR_FROM,
	SIP_HDR_IDENTITY,
	SIP_HDR_IDENTITY_INFO,
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_MIN_SE,
	SIP_HDR_PATH,
	SIP_HDR_PROXY_AUTHENTICATE,
	SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_PROXY_REQUIRE,
	SIP_HDR_RACK,
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_REFER_TO,
	SIP_HDR_REFERRED_BY,
	SIP_HDR_REJECT_CONTACT,
	SIP_HDR_REQUEST_DISPOSITION,
	SIP_HDR_REQUIRE,
	SIP_HDR_RETRY_AFTER,
	SIP_HDR_ROUTE,
	SIP_HDR_RSEQ,
	SIP_HDR_SERVER,
	SIP_HDR_SESSION_EXPIRES,
	SIP_HDR_SUBJECT,
	SIP_HDR_SUBSCRIPTION_STATE,
	SIP_HDR_SUPPORTED,
	SIP_HDR_TIMESTAMP,
	SIP_HDR_TO,
	SIP_HDR_UNSUPPORTED,
	SIP_HDR_USER_AGENT,
	SIP_HDR_VIA,
	SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR_COUNT
};

/* Maps a header name (full or compact, any case) to its id. */
enum sip_hdr_id sip_hdr_lookup(const char *name, size_t len);
/* The canonical full name of a known header ("Call-ID"), or NULL. */
const char *sip_hdr_name(enum sip_hdr_id id);

enum sip_method {
	SIP_METHOD_OTHER = 0,
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_REGISTER,
	SIP_METHOD_PRACK,
	SIP_METHOD_UPDATE,
	SIP_METHOD_INFO,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_REFER,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_PUBLISH,
};

/* Method names are case-sensitive (RFC 3261 7.1). */
enum sip_method sip_method_lookup(struct str s);
const char *sip_method_name(enum sip_method m);

/* Via (RFC 3261 20.42, 18.2.1; RFC 3581). */
struct sip_via {
	struct str raw;		/* the one via-parm */
	struct str proto;	/* "SIP/2.0" */
	struct str transport;	/* "UDP", "TCP", "TLS", ... */
	struct str host;	/* IPv6 without brackets */
	enum sip_host_type host_type;
	uint16_t port;		/* 0 when absent */
	struct str params;
	struct str branch;
	struct str received;
	struct str maddr;
	struct str ttl;
	struct str rport;	/* value; empty when given without one */
	unsigned has_rport : 1;
};

int sip_via_parse(struct sip_via *v, struct str s, const char **err);
/* True when the branch starts with the RFC 3261 magic cookie. */
int sip_via_branch_is_3261(const struct sip_via *v);

/*
 * name-addr or addr-spec with header parameters (From, To, Contact,
 * Route, Record-Route, Refer-To, ...; RFC 3261 20.10, 25.1).
 */
struct sip_addr {
	struct str display;	/* as written, quotes included; may be unset */
	struct str uri_s;	/* the URI text, without angle brackets */
	struct sip_uri uri;
	struct str params;	/* header parameters after the address */
	struct str tag;		/* the tag parameter, if any */
	unsigned angle : 1;	/* the URI was in <...> */
	unsigned star : 1;	/* Contact: * */
};

int sip_addr_parse(struct sip_addr *a, struct str s, const char **err);

/* CSeq (RFC 3261 20.16): a 32-bit number and a method. */
struct sip_cseq {
	uint32_t num;
	struct str method_s;
	enum sip_method method;
};

int sip_cseq_parse(struct sip_cseq *c, struct str s, const char **err);

/*
 * Splits the next element off a comma-separated header value, honouring
 * quoted strings and <...>.  Call with *rest set to the whole value;
 * returns 1 and a trimmed element, 0 when nothing is left.  Empty elements
 * (",,") are skipped.
 */
int sip_list_next(struct str *rest, struct str *elem);

/*
 * Removes the quotes and backslash escapes of a quoted-string into dst
 * (RFC 3261 25.1).  Returns the length written, or -EINVAL for a string
 * that is not properly quoted.  An unquoted input is copied trimmed.
 */
int sip_unquote(struct str s, char *dst, size_t n);

#endif
