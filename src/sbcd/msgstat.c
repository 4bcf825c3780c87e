/*
 * msgstat: counters of SIP messages by method and status (layer 7).
 */
#include <string.h>

#include "sbc/json.h"
#include "sbc/msgstat.h"

static void msgstat_count_status(struct msgstat_dir *d, unsigned status)
{
	if (status < MSGSTAT_STATUS_MIN || status > MSGSTAT_STATUS_MAX) {
		d->unknown++;
		return;
	}
	d->responses[status - MSGSTAT_STATUS_MIN]++;
}

void msgstat_count_msg(struct msgstat_dir *d, const struct sip_msg *m)
{
	if (!m->is_request) {
		msgstat_count_status(d, m->status);
		return;
	}
	if ((unsigned)m->method >= MSGSTAT_METHODS) {
		d->unknown++;
		return;
	}
	d->requests[m->method]++;
}

void msgstat_count_raw(struct msgstat_dir *d, const void *p, size_t len)
{
	static const char sip[] = "SIP/2.0 ";
	const char *s = p;
	size_t n = 0;

	while (n < len && (s[n] == '\r' || s[n] == '\n'))
		n++;
	if (len > 0 && n == len)
		return;
	n = 0;
	/* RFC 3261 7.2: Status-Line = SIP-Version SP Status-Code SP ... */
	if (len >= sizeof(sip) - 1 && memcmp(s, sip, sizeof(sip) - 1) == 0) {
		unsigned status = 0;

		if (len < sizeof(sip) - 1 + 3) {
			d->unknown++;
			return;
		}
		for (size_t i = sizeof(sip) - 1; i < sizeof(sip) + 2; i++) {
			if (s[i] < '0' || s[i] > '9') {
				d->unknown++;
				return;
			}
			status = status * 10 + (unsigned)(s[i] - '0');
		}
		msgstat_count_status(d, status);
		return;
	}
	/* RFC 3261 7.1: Request-Line = Method SP Request-URI SP ... */
	while (n < len && s[n] != ' ' && s[n] != '\r' && s[n] != '\n')
		n++;
	if (n == 0 || n >= len || s[n] != ' ') {
		d->unknown++;
		return;
	}
	d->requests[sip_method_lookup(str_make(s, n))]++;
}

unsigned long msgstat_requests(const struct msgstat_dir *d)
{
	unsigned long n = 0;

	for (unsigned i = 0; i < MSGSTAT_METHODS; i++)
		n += d->requests[i];
	return n;
}

unsigned long msgstat_responses(const struct msgstat_dir *d)
{
	unsigned long n = 0;

	for (unsigned i = 0; i < MSGSTAT_STATUSES; i++)
		n += d->responses[i];
	return n;
}

void msgstat_json(const struct msgstat_dir *d, struct buf *b)
{
	char code[8];
	int first = 1;

	buf_put_cstr(b, "{\"requests\":{");
	for (unsigned i = 1; i < MSGSTAT_METHODS; i++) {
		json_put_key(b, sip_method_name((enum sip_method)i), i == 1);
		buf_put_u64(b, d->requests[i]);
	}
	json_member_u64(b, "other", d->requests[SIP_METHOD_OTHER]);
	buf_put_cstr(b, "},\"responses\":{");
	for (unsigned i = 0; i < MSGSTAT_STATUSES; i++) {
		if (d->responses[i] == 0)
			continue;
		/* A code is three digits, so the buffer always fits it. */
		code[0] = (char)('0' + (i + MSGSTAT_STATUS_MIN) / 100);
		code[1] = (char)('0' + (i + MSGSTAT_STATUS_MIN) / 10 % 10);
		code[2] = (char)('0' + (i + MSGSTAT_STATUS_MIN) % 10);
		code[3] = '\0';
		json_put_key(b, code, first);
		buf_put_u64(b, d->responses[i]);
		first = 0;
	}
	buf_put_c(b, '}');
	json_member_u64(b, "total_requests", msgstat_requests(d));
	json_member_u64(b, "total_responses", msgstat_responses(d));
	json_member_u64(b, "unknown", d->unknown);
	buf_put_c(b, '}');
}
