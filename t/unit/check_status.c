/*
 * msgstat: the message counters of the status socket, by method and by
 * status code (RFC 3261 7.1, 7.2).
 */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/buf.h"
#include "sbc/msgstat.h"
#include "sbc/sip_msg.h"

static void count(struct msgstat_dir *d, const char *s)
{
	msgstat_count_raw(d, s, strlen(s));
}

START_TEST(test_raw_requests)
{
	struct msgstat_dir d = { 0 };

	count(&d, "INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n");
	count(&d, "OPTIONS sip:a@b SIP/2.0\r\n\r\n");
	count(&d, "OPTIONS sip:a@b SIP/2.0\r\n\r\n");
	/* RFC 3261 7.1: methods are case-sensitive; an unknown one is
	 * "other". */
	count(&d, "invite sip:a@b SIP/2.0\r\n\r\n");
	count(&d, "FOO sip:a@b SIP/2.0\r\n\r\n");
	ck_assert_uint_eq(d.requests[SIP_METHOD_INVITE], 1);
	ck_assert_uint_eq(d.requests[SIP_METHOD_OPTIONS], 2);
	ck_assert_uint_eq(d.requests[SIP_METHOD_OTHER], 2);
	ck_assert_uint_eq(msgstat_requests(&d), 5);
	ck_assert_uint_eq(msgstat_responses(&d), 0);
	ck_assert_uint_eq(d.unknown, 0);
}
END_TEST

START_TEST(test_raw_responses)
{
	struct msgstat_dir d = { 0 };

	count(&d, "SIP/2.0 200 OK\r\n\r\n");
	count(&d, "SIP/2.0 100 Trying\r\n\r\n");
	count(&d, "SIP/2.0 699 Whatever\r\n\r\n");
	count(&d, "SIP/2.0 200 OK\r\n\r\n");
	ck_assert_uint_eq(d.responses[200 - MSGSTAT_STATUS_MIN], 2);
	ck_assert_uint_eq(d.responses[100 - MSGSTAT_STATUS_MIN], 1);
	ck_assert_uint_eq(d.responses[699 - MSGSTAT_STATUS_MIN], 1);
	ck_assert_uint_eq(msgstat_responses(&d), 4);
	ck_assert_uint_eq(msgstat_requests(&d), 0);
}
END_TEST

START_TEST(test_raw_junk)
{
	struct msgstat_dir d = { 0 };

	/* Keep-alives are not messages (RFC 5626 4.4.1). */
	count(&d, "\r\n\r\n");
	count(&d, "\r\n");
	ck_assert_uint_eq(d.unknown, 0);
	count(&d, "SIP/2.0 099 Low\r\n\r\n");
	count(&d, "SIP/2.0 700 High\r\n\r\n");
	count(&d, "SIP/2.0 2x0 Bad\r\n\r\n");
	count(&d, "SIP/2.0 20");
	count(&d, "INVITE");
	count(&d, " INVITE sip:a@b SIP/2.0\r\n");
	count(&d, "");
	ck_assert_uint_eq(d.unknown, 7);
	ck_assert_uint_eq(msgstat_requests(&d) + msgstat_responses(&d), 0);
}
END_TEST

START_TEST(test_parsed)
{
	static const char req[] = "BYE sip:a@b SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				  "From: <sip:x@y>;tag=1\r\n"
				  "To: <sip:a@b>;tag=2\r\n"
				  "Call-ID: c\r\n"
				  "CSeq: 2 BYE\r\n"
				  "Content-Length: 0\r\n\r\n";
	static const char resp[] = "SIP/2.0 486 Busy Here\r\n"
				   "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				   "From: <sip:x@y>;tag=1\r\n"
				   "To: <sip:a@b>;tag=2\r\n"
				   "Call-ID: c\r\n"
				   "CSeq: 1 INVITE\r\n"
				   "Content-Length: 0\r\n\r\n";
	struct msgstat_dir d = { 0 };
	struct sip_msg *m = calloc(1, sizeof(*m));

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(sip_msg_parse(m, req, strlen(req), SIP_MSG_DATAGRAM,
				       NULL),
			 0);
	msgstat_count_msg(&d, m);
	ck_assert_int_eq(sip_msg_parse(m, resp, strlen(resp),
				       SIP_MSG_DATAGRAM, NULL),
			 0);
	msgstat_count_msg(&d, m);
	ck_assert_uint_eq(d.requests[SIP_METHOD_BYE], 1);
	ck_assert_uint_eq(d.responses[486 - MSGSTAT_STATUS_MIN], 1);
	free(m);
}
END_TEST

START_TEST(test_json)
{
	struct msgstat_dir d = { 0 };
	struct buf b;

	count(&d, "REGISTER sip:b SIP/2.0\r\n\r\n");
	count(&d, "SIP/2.0 404 Not Found\r\n\r\n");
	count(&d, "SIP/2.0 180 Ringing\r\n\r\n");
	buf_init(&b);
	msgstat_json(&d, &b);
	buf_put_c(&b, '\0');
	ck_assert_int_eq(b.err, 0);
	ck_assert_str_eq(b.p,
			 "{\"requests\":{\"INVITE\":0,\"ACK\":0,\"BYE\":0,"
			 "\"CANCEL\":0,\"OPTIONS\":0,\"REGISTER\":1,"
			 "\"PRACK\":0,\"UPDATE\":0,\"INFO\":0,\"MESSAGE\":0,"
			 "\"REFER\":0,\"NOTIFY\":0,\"SUBSCRIBE\":0,"
			 "\"PUBLISH\":0,\"other\":0},"
			 "\"responses\":{\"180\":1,\"404\":1},"
			 "\"total_requests\":1,\"total_responses\":2,"
			 "\"unknown\":0}");
	buf_free(&b);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("msgstat");

	tcase_add_test(tc, test_raw_requests);
	tcase_add_test(tc, test_raw_responses);
	tcase_add_test(tc, test_raw_junk);
	tcase_add_test(tc, test_parsed);
	tcase_add_test(tc, test_json);
	suite_add_tcase(s, tc);
	return s;
}
