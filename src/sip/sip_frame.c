/*
 * Stream framing: RFC 3261 18.3 (Content-Length delimits a message on a
 * stream) and RFC 5626 3.5.1 (CRLF keep-alives).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <string.h>

#include "sbc/sip_frame.h"
#include "sbc/sip_hdr.h"
#include "sbc/str.h"
#include "sip_chars.h"

static const struct sip_frame_limits defaults = {
	.max_hdr = SIP_FRAME_DEFAULT_MAX_HDR,
	.max_body = SIP_FRAME_DEFAULT_MAX_BODY,
};

static enum sip_frame_rc error(const char **err, const char *why)
{
	if (err)
		*err = why;
	return SIP_FRAME_ERROR;
}

/*
 * Finds Content-Length in a header section (start line excluded).
 * Returns 1 with the value, 0 when absent, -1 when broken.
 */
static int find_clen(const char *p, const char *end, uint64_t max,
		     uint64_t *clen, const char **err)
{
	int found = 0;

	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		const char *le = lf ? lf : end, *colon, *ne;
		uint64_t v;

		/* Take continuation lines into this header. */
		while (lf && lf + 1 < end && (lf[1] == ' ' || lf[1] == '\t')) {
			lf = memchr(lf + 1, '\n', (size_t)(end - lf - 1));
			le = lf ? lf : end;
		}
		colon = memchr(p, ':', (size_t)(le - p));
		if (colon) {
			ne = colon;
			while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
			if (sip_hdr_lookup(p, (size_t)(ne - p)) ==
			    SIP_HDR_CONTENT_LENGTH) {
				struct str val = str_trim(str_make(
					colon + 1, (size_t)(le - colon - 1)));
				int rc = str_to_u64(val, UINT64_MAX / 2, &v);

				if (rc) {
					*err = "bad Content-Length";
					return -1;
				}
				if (found && v != *clen) {
					*err = "conflicting Content-Length";
					return -1;
				}
				if (v > max) {
					*err = "body larger than the limit";
					return -1;
				}
				*clen = v;
				found = 1;
			}
		}
		p = lf ? lf + 1 : end;
	}
	return found;
}

enum sip_frame_rc sip_frame_next(const char *p, size_t len,
				 const struct sip_frame_limits *lim,
				 size_t *used, const char **err)
{
	const char *hend, *sl_end;
	size_t hlen, scan;
	uint64_t clen = 0;
	const char *why = NULL;
	int rc;

	if (!lim)
		lim = &defaults;
	if (!err)
		err = &why;
	*used = 0;
	if (len == 0)
		return SIP_FRAME_MORE;
	if (p[0] == '\r') {
		/* RFC 5626 3.5.1: CRLFCRLF is a ping, a lone CRLF a pong.
		 * A lone CRLF at the end of what has arrived is taken as a
		 * pong; a ping is sent in one piece in practice. */
		if (len < 2)
			return SIP_FRAME_MORE;
		if (p[1] != '\n')
			return error(err, "stray CR in stream");
		if (len >= 4 && p[2] == '\r' && p[3] == '\n') {
			*used = 4;
			return SIP_FRAME_PING;
		}
		if (len == 3 && p[2] == '\r')
			return SIP_FRAME_MORE;
		*used = 2;
		return SIP_FRAME_PONG;
	}
	scan = len < lim->max_hdr ? len : lim->max_hdr;
	hend = memmem(p, scan, "\r\n\r\n", 4);
	if (!hend) {
		if (len >= lim->max_hdr)
			return error(err, "header section larger than the limit");
		return SIP_FRAME_MORE;
	}
	hlen = (size_t)(hend - p) + 4;
	sl_end = memchr(p, '\n', hlen);
	rc = find_clen(sl_end + 1, hend + 2, lim->max_body, &clen, err);
	if (rc < 0)
		return SIP_FRAME_ERROR;
	if (rc == 0)
		return error(err, "missing Content-Length on a stream");
	if (len - hlen < clen)
		return SIP_FRAME_MORE;
	*used = hlen + (size_t)clen;
	return SIP_FRAME_MSG;
}
