/*
 * sip_uri: SIP, SIPS and tel URIs (layer 1, RFC 3261 19.1 and 25.1,
 * RFC 3966).
 *
 * Parsing fills slices into the caller's text; nothing is copied and
 * %-escapes stay escaped (compare with sip_uri_user_eq when it matters).
 */
#ifndef SBC_SIP_URI_H
#define SBC_SIP_URI_H

#include <stdint.h>

#include "sbc/str.h"

enum sip_uri_scheme {
	SIP_URI_OTHER = 0,	/* absoluteURI of another scheme, kept raw */
	SIP_URI_SIP,
	SIP_URI_SIPS,
	SIP_URI_TEL,
};

enum sip_host_type {
	SIP_HOST_NONE = 0,
	SIP_HOST_NAME,
	SIP_HOST_IPV4,
	SIP_HOST_IPV6,		/* host holds the address without brackets */
};

struct sip_uri {
	enum sip_uri_scheme scheme;
	struct str raw;		/* the whole URI as parsed */
	struct str scheme_s;
	struct str user;	/* tel: the number */
	struct str password;
	struct str host;
	enum sip_host_type host_type;
	uint16_t port;		/* 0 when absent */
	struct str params;	/* after the first ';', without it */
	struct str headers;	/* after '?', without it */
};

/*
 * Parses s as a URI.  Returns 0, or -EINVAL with *err set to a short
 * reason that can serve as a 400 reason phrase.
 */
int sip_uri_parse(struct sip_uri *u, struct str s, const char **err);

/*
 * Looks a parameter up in a ';'-separated list (URI, Via or header
 * parameters; leading ';' and white space around tokens allowed).  Names
 * compare case-insensitively.  Returns 1 and the value (empty slice with
 * non-NULL pointer for a parameter without '=') when found, 0 otherwise.
 */
int sip_param_get(struct str params, const char *name, struct str *val);

/*
 * Iterates a parameter list: call with *rest set to the list; returns 1
 * with name and value of the next parameter, 0 at the end.
 */
int sip_param_next(struct str *rest, struct str *name, struct str *val);

/* The transport parameter, or "" when absent. */
struct str sip_uri_transport(const struct sip_uri *u);
/* True when the URI has the lr parameter (RFC 3261 16.4 loose routing). */
int sip_uri_is_lr(const struct sip_uri *u);

/*
 * Compares the user parts with %-escapes resolved (RFC 3261 19.1.4),
 * case-sensitively.
 */
int sip_uri_user_eq(struct str a, struct str b);

/*
 * Whether two hosts are the same: equal IP addresses however written
 * ("2001:DB8:0::1" and "[2001:db8::1]"), or equal names ignoring case.
 */
int sip_host_same(struct str a, struct str b);

/* Classifies a host: IPv4 dotted quad, IPv6 reference, or a host name. */
enum sip_host_type sip_host_classify(struct str host);

#endif
