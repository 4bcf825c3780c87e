/*
 * libFuzzer harness for the SIP message parser and printer.
 *
 * Every input is parsed as a datagram and as a stream message.  Whatever
 * parses must print, and what sbc prints must parse again (sbc never sends
 * what it could not read back).  The values of the headers that routing
 * looks at are parsed one by one on the way.  Any violation calls abort().
 *
 * Build and run with contrib/fuzz/run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/buf.h"
#include "sbc/sip_hdr.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_print.h"
#include "sbc/sip_uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_parse: %s%s%s\n", what, err ? ": " : "",
		err ? err : "");
	abort();
}

static void walk_params(struct str params)
{
	struct str name, val;
	unsigned n = 0;

	while (sip_param_next(&params, &name, &val))
		if (++n > 100000)
			fail("sip_param_next does not end", NULL);
}

static void walk_addr(struct str v)
{
	struct sip_addr a;
	const char *err = NULL;
	char tmp[512];

	if (sip_addr_parse(&a, v, &err) != 0) {
		if (!err)
			fail("sip_addr_parse failed without a reason", NULL);
		return;
	}
	if (a.star)
		return;
	if (a.display.len)
		(void)sip_unquote(a.display, tmp, sizeof(tmp));
	walk_params(a.params);
	walk_params(a.uri.params);
	(void)sip_uri_transport(&a.uri);
	(void)sip_uri_is_lr(&a.uri);
	(void)sip_uri_user_eq(a.uri.user, a.uri.user);
}

static void walk(const struct sip_msg *m)
{
	static const enum sip_hdr_id ids[] = {
		SIP_HDR_VIA, SIP_HDR_ROUTE, SIP_HDR_RECORD_ROUTE,
		SIP_HDR_CONTACT,
	};
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct sip_vals it;
		struct str v;
		unsigned n = 0;

		sip_vals_init(&it, m, ids[i]);
		while (sip_vals_next(&it, &v)) {
			if (v.len > m->raw.len)
				fail("value longer than the message", NULL);
			if (ids[i] == SIP_HDR_VIA) {
				struct sip_via via;
				const char *err = NULL;

				if (sip_via_parse(&via, v, &err) == 0) {
					walk_params(via.params);
					(void)sip_via_branch_is_3261(&via);
				} else if (!err) {
					fail("sip_via_parse failed without a reason",
					     NULL);
				}
			} else {
				walk_addr(v);
			}
			n++;
		}
		if (n != sip_msg_count(m, ids[i]))
			fail("sip_msg_count disagrees with sip_vals", NULL);
	}
	(void)sip_msg_hdr_find(m, "x-unknown");
}

static void check_msg(const struct sip_msg *m)
{
	if (m->content_length >= 0 && (uint64_t)m->content_length != m->body.len)
		fail("body length differs from Content-Length", NULL);
	if (m->n_hdr > SIP_MSG_MAX_HDRS)
		fail("too many header lines kept", NULL);
	if (m->body.len && m->body.p + m->body.len != m->raw.p + m->raw.len)
		fail("body does not end the message", NULL);
}

static void one_mode(const uint8_t *data, size_t size, enum sip_msg_mode mode)
{
	static struct sip_msg m, m2;
	const char *err = NULL;
	struct buf b, b2;
	char *copy;

	if (sip_msg_parse(&m, (const char *)data, size, mode, &err) != 0) {
		if (!err)
			fail("sip_msg_parse failed without a reason", NULL);
		return;
	}
	check_msg(&m);
	walk(&m);

	buf_init(&b);
	if (sip_print_msg(&b, &m) != 0)
		fail("sip_print_msg failed", NULL);
	/* An exact-size copy, so that ASan sees any read past the end. */
	copy = malloc(b.len ? b.len : 1);
	if (!copy)
		abort();
	memcpy(copy, b.p, b.len);
	err = NULL;
	if (sip_msg_parse(&m2, copy, b.len, SIP_MSG_STREAM, &err) != 0) {
		fprintf(stderr, "printed message:\n%.*s\n", (int)b.len, b.p);
		fail("printed message does not parse", err);
	}
	check_msg(&m2);
	walk(&m2);
	if (m2.is_request != m.is_request || m2.n_hdr > m.n_hdr + 1 ||
	    m2.body.len != m.body.len ||
	    (m.body.len && memcmp(m2.body.p, m.body.p, m.body.len) != 0))
		fail("printed message differs from the parsed one", NULL);

	/* What sbc prints, it prints again the same way. */
	buf_init(&b2);
	if (sip_print_msg(&b2, &m2) != 0)
		fail("second sip_print_msg failed", NULL);
	if (b2.len != b.len || memcmp(b2.p, b.p, b.len) != 0) {
		fprintf(stderr, "first:\n%.*s\nsecond:\n%.*s\n", (int)b.len,
			b.p, (int)b2.len, b2.p);
		fail("printing is not idempotent", NULL);
	}
	buf_free(&b2);
	buf_free(&b);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_mode(data, size, SIP_MSG_DATAGRAM);
	one_mode(data, size, SIP_MSG_STREAM);
	return 0;
}
