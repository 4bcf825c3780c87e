/*
 * Character classes of the SIP grammar (RFC 3261 25.1), private to the
 * syntax layer.  One table lookup answers "may this byte stand here".
 */
#ifndef SBC_SIP_CHARS_H
#define SBC_SIP_CHARS_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/sip_hdr.h"

enum {
	SIP_C_ALPHA = 1 << 0,
	SIP_C_DIGIT = 1 << 1,
	SIP_C_UNRESERVED = 1 << 2,	/* alphanum / mark */
	SIP_C_USER = 1 << 3,		/* unreserved / user-unreserved */
	SIP_C_PASSWORD = 1 << 4,	/* unreserved / &=+$, */
	SIP_C_PARAM = 1 << 5,		/* unreserved / param-unreserved */
	SIP_C_SEMI_EQ = 1 << 6,		/* ; = between URI parameters */
	SIP_C_HNV = 1 << 7,		/* unreserved / hnv-unreserved */
	SIP_C_AMP_EQ = 1 << 8,		/* & = between URI headers */
	SIP_C_TEL = 1 << 9,		/* RFC 3966 phonedigit-hex, + */
	SIP_C_SCHEME = 1 << 10,		/* alphanum / + - . */
	SIP_C_ABSURI = 1 << 11,		/* visible, no < > " */
	SIP_C_TOKEN = 1 << 12,		/* RFC 3261 token */
	SIP_C_WS = 1 << 13,		/* SP HT CR LF */
};

extern const uint16_t sip_ctab[256];

static inline int sip_is_hex(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static inline int sip_is_token(char c)
{
	return sip_ctab[(unsigned char)c] & SIP_C_TOKEN;
}

static inline int sip_is_ws(char c)
{
	return sip_ctab[(unsigned char)c] & SIP_C_WS;
}

/* One step of the header-name hash: case-folded, order-dependent. */
static inline uint32_t sip_hdr_hash_step(uint32_t h, char c)
{
	return h * 31 + (uint32_t)(unsigned char)(c | 0x20);
}

/* Header lookup when the caller has already hashed the name. */
enum sip_hdr_id sip_hdr_lookup_hashed(const char *name, size_t len,
				      uint32_t h);

#endif
