/*
 * Tests of stream framing (sbc/sip_frame.h; RFC 3261 18.3, RFC 5626
 * 3.5.1).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/sip_frame.h"
#include "sbc/sip_msg.h"
#include "sbc/str.h"

static const char head[] =
	"OPTIONS sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP ua.example.com;branch=z9hG4bKfr1\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@example.com>;tag=fr1\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: frame-1@ua.example.com\r\n"
	"CSeq: 1 OPTIONS\r\n";

/* head, then the given Content-Length line(s), the empty line and body. */
static size_t build(char *buf, size_t size, const char *cl_lines,
		    const char *body)
{
	int n = snprintf(buf, size, "%s%s\r\n%s", head, cl_lines, body);

	ck_assert(n > 0 && (size_t)n < size);
	return (size_t)n;
}

static enum sip_frame_rc frame(const char *p, size_t len,
			       const struct sip_frame_limits *lim,
			       size_t *used, const char **err)
{
	enum sip_frame_rc rc;

	*used = (size_t)-1;
	*err = NULL;
	rc = sip_frame_next(p, len, lim, used, err);
	if (rc != SIP_FRAME_MORE)
		ck_assert_msg(rc == SIP_FRAME_ERROR || *used <= len,
			      "used %zu > len %zu", *used, len);
	if (rc == SIP_FRAME_ERROR)
		ck_assert_msg(*err != NULL && **err != '\0',
			      "error without a reason");
	return rc;
}

START_TEST(test_complete)
{
	char buf[2048];
	size_t len = build(buf, sizeof(buf), "Content-Length: 0\r\n", ""), used;
	const char *err;

	ck_assert_int_eq(frame(buf, len, NULL, &used, &err), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, len);
}
END_TEST

START_TEST(test_complete_with_body)
{
	char buf[2048];
	size_t len = build(buf, sizeof(buf), "Content-Length: 11\r\n",
			   "hello world"), used;
	const char *err;

	ck_assert_int_eq(frame(buf, len, NULL, &used, &err), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, len);
}
END_TEST

START_TEST(test_partial_header)
{
	char buf[2048];
	size_t len = build(buf, sizeof(buf), "Content-Length: 0\r\n", ""), used;
	const char *err;
	size_t cut;

	/* Every cut before the final CRLF of the empty line. */
	for (cut = 1; cut < len; cut++)
		ck_assert_msg(frame(buf, cut, NULL, &used, &err) == SIP_FRAME_MORE,
			      "cut at %zu of %zu", cut, len);
}
END_TEST

START_TEST(test_partial_body)
{
	char buf[2048];
	size_t len = build(buf, sizeof(buf), "Content-Length: 11\r\n",
			   "hello world"), used;
	const char *err;

	ck_assert_int_eq(frame(buf, len - 1, NULL, &used, &err), SIP_FRAME_MORE);
	ck_assert_int_eq(frame(buf, len - 11, NULL, &used, &err), SIP_FRAME_MORE);
	ck_assert_int_eq(frame(buf, len - 6, NULL, &used, &err), SIP_FRAME_MORE);
}
END_TEST

START_TEST(test_two_messages)
{
	char buf[4096];
	size_t l1 = build(buf, sizeof(buf), "Content-Length: 3\r\n", "abc");
	size_t l2 = build(buf + l1, sizeof(buf) - l1, "Content-Length: 5\r\n",
			  "vwxyz");
	size_t used;
	const char *err;

	ck_assert_int_eq(frame(buf, l1 + l2, NULL, &used, &err), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, l1);
	ck_assert_int_eq(frame(buf + l1, l2, NULL, &used, &err), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, l2);
	/* The first message plus part of the second. */
	ck_assert_int_eq(frame(buf, l1 + 10, NULL, &used, &err), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, l1);
	ck_assert_int_eq(frame(buf + l1, 10, NULL, &used, &err), SIP_FRAME_MORE);
}
END_TEST

START_TEST(test_ping_pong)
{
	char buf[2048];
	size_t used, len;
	const char *err;

	/* RFC 5626 3.5.1: CRLFCRLF is a ping, a lone CRLF the pong. */
	ck_assert_int_eq(frame("\r\n\r\n", 4, NULL, &used, &err), SIP_FRAME_PING);
	ck_assert_uint_eq(used, 4);
	ck_assert_int_eq(frame("\r\n", 2, NULL, &used, &err), SIP_FRAME_PONG);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(frame("\r", 1, NULL, &used, &err), SIP_FRAME_MORE);

	/* A ping before a message. */
	memcpy(buf, "\r\n\r\n", 4);
	len = 4 + build(buf + 4, sizeof(buf) - 4, "Content-Length: 0\r\n", "");
	ck_assert_int_eq(frame(buf, len, NULL, &used, &err), SIP_FRAME_PING);
	ck_assert_uint_eq(used, 4);
	ck_assert_int_eq(frame(buf + 4, len - 4, NULL, &used, &err), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, len - 4);

	/* A pong before a message. */
	len = 2 + build(buf + 2, sizeof(buf) - 2, "Content-Length: 0\r\n", "");
	ck_assert_int_eq(frame(buf, len, NULL, &used, &err), SIP_FRAME_PONG);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(frame(buf + 2, len - 2, NULL, &used, &err), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, len - 2);
}
END_TEST

START_TEST(test_missing_content_length)
{
	char buf[2048];
	size_t len = build(buf, sizeof(buf), "", ""), used;
	const char *err;

	/* RFC 3261 18.3: Content-Length is mandatory on a stream. */
	ck_assert_int_eq(frame(buf, len, NULL, &used, &err), SIP_FRAME_ERROR);
	ck_assert_msg(strcasestr(err, "content-length") != NULL,
		      "reason: %s", err);
}
END_TEST

START_TEST(test_bad_content_length)
{
	static const char *const bad[] = {
		"Content-Length: abc\r\n",
		"Content-Length: -1\r\n",
		"Content-Length: 1x\r\n",
		"Content-Length: \r\n",
		"Content-Length: 99999999999999999999999999\r\n",
		/* Two that disagree: which one counts is up to the peer. */
		"Content-Length: 0\r\nContent-Length: 5\r\n",
		"l: 5\r\nContent-Length: 0\r\n",
	};
	char buf[2048];
	size_t i, len, used;
	const char *err;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = build(buf, sizeof(buf), bad[i], "hello");
		ck_assert_msg(frame(buf, len, NULL, &used, &err) == SIP_FRAME_ERROR,
			      "accepted %s", bad[i]);
	}
}
END_TEST

START_TEST(test_header_limit)
{
	struct sip_frame_limits lim = { 256, 1024 };
	char buf[4096];
	size_t len, used;
	const char *err;
	char pad[300];

	/* A complete header section well under the limit. */
	len = build(buf, sizeof(buf), "Content-Length: 0\r\n", "");
	ck_assert_uint_lt(len, 256);
	ck_assert_int_eq(frame(buf, len, &lim, &used, &err), SIP_FRAME_MSG);

	/* A complete one well over it. */
	memset(pad, 'p', 200);
	memcpy(pad + 200, "\r\nContent-Length: 0\r\n", 22);
	{
		char lines[400];

		snprintf(lines, sizeof(lines), "X-Pad: %s", pad);
		len = build(buf, sizeof(buf), lines, "");
	}
	ck_assert_uint_gt(len, 400);
	ck_assert_int_eq(frame(buf, len, &lim, &used, &err), SIP_FRAME_ERROR);

	/* An unfinished one past the limit: no point waiting for more. */
	ck_assert_int_eq(frame(buf, 300, &lim, &used, &err), SIP_FRAME_ERROR);
	/* An unfinished one below it: wait. */
	ck_assert_int_eq(frame(buf, 200, &lim, &used, &err), SIP_FRAME_MORE);
}
END_TEST

START_TEST(test_header_limit_default)
{
	static char buf[40000];
	char *big = malloc(20001);
	size_t len, used;
	const char *err;

	ck_assert_ptr_nonnull(big);
	memcpy(big, "X-Big: ", 7);
	memset(big + 7, 'b', 20000 - 7);
	big[20000] = '\0';
	len = build(buf, sizeof(buf), big, "");
	/* No Content-Length and 20000 bytes: the size is what is wrong. */
	ck_assert_int_eq(frame(buf, len, NULL, &used, &err), SIP_FRAME_ERROR);
	ck_assert_int_eq(frame(buf, SIP_FRAME_DEFAULT_MAX_HDR + 100, NULL,
			       &used, &err), SIP_FRAME_ERROR);
	free(big);
}
END_TEST

START_TEST(test_body_limit)
{
	struct sip_frame_limits lim = { 4096, 10 };
	char buf[2048];
	size_t len, used;
	const char *err;

	len = build(buf, sizeof(buf), "Content-Length: 10\r\n", "0123456789");
	ck_assert_int_eq(frame(buf, len, &lim, &used, &err), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, len);

	len = build(buf, sizeof(buf), "Content-Length: 11\r\n", "0123456789A");
	ck_assert_int_eq(frame(buf, len, &lim, &used, &err), SIP_FRAME_ERROR);
	/* Known too big before the body arrives. */
	ck_assert_int_eq(frame(buf, len - 11, &lim, &used, &err), SIP_FRAME_ERROR);

	/* The default limit. */
	len = build(buf, sizeof(buf), "Content-Length: 70000\r\n", "");
	ck_assert_int_eq(frame(buf, len, NULL, &used, &err), SIP_FRAME_ERROR);
	len = build(buf, sizeof(buf), "Content-Length: 65536\r\n", "");
	ck_assert_int_eq(frame(buf, len, NULL, &used, &err), SIP_FRAME_MORE);
}
END_TEST

START_TEST(test_content_length_spellings)
{
	static const char *const ok[] = {
		"l: 5\r\n",
		"L: 5\r\n",
		"content-length: 5\r\n",
		"CONTENT-LENGTH  :   5\r\n",
		"Content-Length: 00005\r\n",
		"Content-Length:5\r\n",
		"Content-Length:\r\n 5\r\n",	/* folded */
		"X-Content-Length: 999\r\nContent-Length: 5\r\n",
		"Content-Length: 5\r\nX-L: 999\r\n",
		"Subject: l: 999\r\nContent-Length: 5\r\n",
	};
	char buf[2048];
	size_t i, len, used;
	const char *err;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		/* Five bytes of body and five more that belong to no one. */
		len = build(buf, sizeof(buf), ok[i], "hello-----");
		ck_assert_msg(frame(buf, len, NULL, &used, &err) == SIP_FRAME_MSG,
			      "%s: not a message (%s)", ok[i], err ? err : "-");
		ck_assert_msg(used == len - 5, "%s: used %zu, want %zu", ok[i],
			      used, len - 5);
	}
}
END_TEST

START_TEST(test_byte_by_byte)
{
	size_t len, k, used;
	const char *err;
	char *p = check_read_data("valid/seed-invite.sip", &len);
	unsigned msgs = 0;

	for (k = 1; k <= len; k++) {
		enum sip_frame_rc rc = frame(p, k, NULL, &used, &err);

		if (k < len) {
			ck_assert_msg(rc == SIP_FRAME_MORE, "%zu of %zu: rc %d",
				      k, len, rc);
		} else {
			ck_assert_int_eq(rc, SIP_FRAME_MSG);
			ck_assert_uint_eq(used, len);
			msgs++;
		}
	}
	ck_assert_uint_eq(msgs, 1);
	free(p);
}
END_TEST

/* Frames every valid corpus file: one message, exactly the file. */
static void frame_file(const char *name)
{
	size_t len, off = 0, used;
	const char *err;
	char *p = check_read_data(name, &len);
	unsigned msgs = 0;

	while (off < len) {
		enum sip_frame_rc rc = frame(p + off, len - off, NULL, &used, &err);

		ck_assert_msg(rc != SIP_FRAME_ERROR && rc != SIP_FRAME_MORE,
			      "%s at %zu: rc %d (%s)", name, off, rc,
			      err ? err : "-");
		ck_assert_msg(used > 0, "%s: no progress", name);
		if (rc == SIP_FRAME_MSG)
			msgs++;
		off += used;
	}
	ck_assert_uint_eq(off, len);
	ck_assert_msg(msgs == 1, "%s: %u messages", name, msgs);
	free(p);
}

/* The *.sip files under t/data/<dir>, sorted, found when the suite is built. */
#define MAX_FILES 256
static char *valid_files[MAX_FILES];
static int n_valid;


START_TEST(test_corpus)
{
	frame_file(valid_files[_i]);
}
END_TEST

START_TEST(test_corpus_size)
{
	ck_assert_int_ge(n_valid, 20);
}
END_TEST

START_TEST(test_whole_corpus_as_one_stream)
{
	static const char *const files[] = {
		"valid/seed-invite.sip", "valid/seed-200.sip",
		"valid/seed-ack.sip", "valid/multipart.sip",
		"valid/compact.sip", "valid/whitespace.sip",
	};
	size_t nf = sizeof(files) / sizeof(files[0]);
	size_t lens[6], total = 0, off = 0, i, used;
	char *stream = NULL;
	const char *err;

	for (i = 0; i < nf; i++) {
		char *p = check_read_data(files[i], &lens[i]);

		stream = realloc(stream, total + lens[i]);
		ck_assert_ptr_nonnull(stream);
		memcpy(stream + total, p, lens[i]);
		total += lens[i];
		free(p);
	}
	for (i = 0; i < nf; i++) {
		ck_assert_int_eq(frame(stream + off, total - off, NULL, &used, &err),
				 SIP_FRAME_MSG);
		ck_assert_msg(used == lens[i], "%s: used %zu, want %zu",
			      files[i], used, lens[i]);
		off += used;
	}
	ck_assert_uint_eq(off, total);
	ck_assert_int_eq(frame(stream + off, 0, NULL, &used, &err), SIP_FRAME_MORE);
	free(stream);
}
END_TEST

/*
 * The framer and the parser must agree on where a message ends, or what
 * sbc parses is not what it framed (RFC 3261 7.5 and 18.3 require CRLF;
 * a lone CR or LF must not end a line for one and not the other).
 */
START_TEST(test_framer_and_parser_agree)
{
	static const char *const tails[] = {
		/* A bare LF after the last header, then more headers. */
		"Content-Length: 0\r\n\nX-Hidden: y\r\n\r\n",
		/* A bare LF between two headers. */
		"Subject: a\nContent-Length: 0\r\n\r\n",
		/* A bare CR inside the Content-Length value. */
		"Content-Length: \r0\n\r\n\r\n",
		/* A bare LF line that hides a Content-Length from one side. */
		"Subject: a\nl: 4\r\nContent-Length: 0\r\n\r\nbody",
	};
	char buf[2048], bad[512] = "";
	size_t i, o = 0;

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		struct sip_msg m;
		const char *err = NULL;
		size_t used, len;
		int n = snprintf(buf, sizeof(buf), "%s%s", head, tails[i]);

		len = (size_t)n;
		if (frame(buf, len, NULL, &used, &err) != SIP_FRAME_MSG)
			continue;	/* refusing to frame it is fine */
		if (sip_msg_parse(&m, buf, used, SIP_MSG_STREAM, &err) != 0)
			continue;	/* refusing to parse it is fine */
		if (m.raw.p + m.raw.len != buf + used && o < sizeof(bad))
			o += (size_t)snprintf(bad + o, sizeof(bad) - o,
					      " [case %zu: framed %zu bytes, parsed %zu]",
					      i, used,
					      (size_t)(m.raw.p + m.raw.len - buf));
	}
	ck_assert_msg(o == 0, "framer and parser disagree:%s", bad);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("sip_frame");
	TCase *tc = tcase_create("frame");

	tcase_add_test(tc, test_complete);
	tcase_add_test(tc, test_complete_with_body);
	tcase_add_test(tc, test_partial_header);
	tcase_add_test(tc, test_partial_body);
	tcase_add_test(tc, test_two_messages);
	tcase_add_test(tc, test_ping_pong);
	tcase_add_test(tc, test_missing_content_length);
	tcase_add_test(tc, test_bad_content_length);
	tcase_add_test(tc, test_header_limit);
	tcase_add_test(tc, test_header_limit_default);
	tcase_add_test(tc, test_body_limit);
	tcase_add_test(tc, test_content_length_spellings);
	tcase_add_test(tc, test_byte_by_byte);
	n_valid = check_scan_data("valid", valid_files, MAX_FILES);
	tcase_add_loop_test(tc, test_corpus, 0, n_valid);
	tcase_add_test(tc, test_corpus_size);
	tcase_add_test(tc, test_whole_corpus_as_one_stream);
	tcase_add_test(tc, test_framer_and_parser_agree);
	suite_add_tcase(s, tc);
	return s;
}
