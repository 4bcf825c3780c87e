#include "sip_chars.h"

#define ALNUM (SIP_C_UNRESERVED | SIP_C_USER | SIP_C_PASSWORD | \
	       SIP_C_PARAM | SIP_C_HNV | SIP_C_SCHEME | SIP_C_ABSURI | \
	       SIP_C_TOKEN)
/* RFC 3261 25.1 mark: - _ . ! ~ * ' ( ) */
#define MARK (SIP_C_UNRESERVED | SIP_C_USER | SIP_C_PASSWORD | \
	      SIP_C_PARAM | SIP_C_HNV | SIP_C_ABSURI)

const uint16_t sip_ctab[256] = {
	['a' ... 'z'] = ALNUM | SIP_C_ALPHA,
	['A' ... 'Z'] = ALNUM | SIP_C_ALPHA,
	['0' ... '9'] = ALNUM | SIP_C_DIGIT | SIP_C_TEL,
	['-'] = MARK | SIP_C_TEL | SIP_C_SCHEME | SIP_C_TOKEN,
	['_'] = MARK | SIP_C_TOKEN,
	['.'] = MARK | SIP_C_TEL | SIP_C_SCHEME | SIP_C_TOKEN,
	['!'] = MARK | SIP_C_TOKEN,
	['~'] = MARK | SIP_C_TOKEN,
	['*'] = MARK | SIP_C_TEL | SIP_C_TOKEN,
	['\''] = MARK | SIP_C_TOKEN,
	['('] = MARK | SIP_C_TEL,
	[')'] = MARK | SIP_C_TEL,
	/* user-unreserved & = + $ , ; ? / */
	['&'] = SIP_C_USER | SIP_C_PASSWORD | SIP_C_PARAM | SIP_C_AMP_EQ |
		SIP_C_ABSURI,
	['='] = SIP_C_USER | SIP_C_PASSWORD | SIP_C_SEMI_EQ | SIP_C_AMP_EQ |
		SIP_C_ABSURI,
	['+'] = SIP_C_USER | SIP_C_PASSWORD | SIP_C_PARAM | SIP_C_HNV |
		SIP_C_TEL | SIP_C_SCHEME | SIP_C_ABSURI | SIP_C_TOKEN,
	['$'] = SIP_C_USER | SIP_C_PASSWORD | SIP_C_PARAM | SIP_C_HNV |
		SIP_C_ABSURI,
	[','] = SIP_C_USER | SIP_C_PASSWORD | SIP_C_ABSURI,
	[';'] = SIP_C_USER | SIP_C_SEMI_EQ | SIP_C_ABSURI,
	['?'] = SIP_C_USER | SIP_C_HNV | SIP_C_ABSURI,
	['/'] = SIP_C_USER | SIP_C_PARAM | SIP_C_HNV | SIP_C_ABSURI,
	/* param-unreserved and hnv-unreserved [ ] / : */
	['['] = SIP_C_PARAM | SIP_C_HNV | SIP_C_ABSURI,
	[']'] = SIP_C_PARAM | SIP_C_HNV | SIP_C_ABSURI,
	[':'] = SIP_C_PARAM | SIP_C_HNV | SIP_C_ABSURI,
	['#'] = SIP_C_TEL | SIP_C_ABSURI,
	['%'] = SIP_C_ABSURI | SIP_C_TOKEN,
	['`'] = SIP_C_ABSURI | SIP_C_TOKEN,
	['@'] = SIP_C_ABSURI,
	['{'] = SIP_C_ABSURI,
	['}'] = SIP_C_ABSURI,
	['|'] = SIP_C_ABSURI,
	['^'] = SIP_C_ABSURI,
	['\\'] = SIP_C_ABSURI,
	[' '] = SIP_C_WS,
	['\t'] = SIP_C_WS,
	['\r'] = SIP_C_WS,
	['\n'] = SIP_C_WS,
};
