/*
 * Tests of the transaction layer (sbc/tsx.h; RFC 3261 8.2.2.2, 9, 17,
 * 18.2, RFC 3581, RFC 6026): the client transactions here, the server
 * ones in check_tsx_server.c, the harness in check_tsx_harness.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_tsx.h"

/* ---- client transactions ---- */

START_TEST(test_branch_new)
{
	char a[TSX_BRANCH_MAX], b[TSX_BRANCH_MAX], via[96];
	const char *err = NULL;
	struct sip_via v;
	int seen[128] = { 0 }, kinds = 0;

	ck_assert_uint_eq(tsx_branch_new(a, sizeof(a)), TSX_BRANCH_MAX - 1);
	ck_assert_uint_eq(strlen(a), TSX_BRANCH_MAX - 1);
	ck_assert(strncmp(a, "z9hG4bK", 7) == 0);
	ck_assert_uint_eq(tsx_branch_new(b, sizeof(b)), TSX_BRANCH_MAX - 1);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(tsx_branch_new(b, TSX_BRANCH_MAX - 1), 0);
	snprintf(via, sizeof(via), "SIP/2.0/UDP h.example.com;branch=%s", a);
	ck_assert_int_eq(sip_via_parse(&v, str_cstr(via), &err), 0);
	ck_assert(sip_via_branch_is_3261(&v));
	/* Letters and digits only (rnd_token), and all 62 turn up. */
	for (int i = 0; i < 2000; i++) {
		tsx_branch_new(a, sizeof(a));
		for (size_t k = 7; a[k]; k++) {
			char c = a[k];

			ck_assert_msg((c >= '0' && c <= '9') ||
					      (c >= 'a' && c <= 'z') ||
					      (c >= 'A' && c <= 'Z'),
				      "bad branch character %c", c);
			kinds += !seen[(unsigned char)c];
			seen[(unsigned char)c] = 1;
		}
	}
	ck_assert_int_eq(kinds, 62);
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(tsx_state_name(TSX_CALLING), "Calling");
	ck_assert_str_eq(tsx_state_name(TSX_ACCEPTED), "Accepted");
	ck_assert_str_eq(tsx_state_name(TSX_TERMINATED), "Terminated");
	ck_assert_str_eq(tsx_state_name((enum tsx_state)99), "?");
}
END_TEST

START_TEST(test_client_invite_timer_a_b)
{
	static const uint64_t want[] = { 0, 500, 1500, 3500, 7500, 15500,
					 31500 };
	struct tsx *ct = client("INVITE", "z9hG4bKca1", TP_UDP);
	struct tsx_stats s;

	ck_assert_int_eq(tsx_state(ct), TSX_CALLING);
	ck_assert(tsx_is_client(ct));
	run_to(31999);
	/* RFC 3261 17.1.1.2: Timer A doubles with no cap at T2. */
	times_are("INVITE", want, 7);
	for (size_t i = 0; i < n_out; i++) {
		ck_assert_uint_eq(out[i].len, out[0].len);
		ck_assert(memcmp(out[i].p, out[0].p, out[0].len) == 0);
		ck_assert(addr_is(&out[i].d.addr, "192.0.2.20", 5060));
	}
	ck_assert_int_eq(C.n_failed, 0);
	run_to(32000);
	ck_assert_int_eq(C.n_failed, 1);
	ck_assert_int_eq(C.why, TSX_FAIL_TIMEOUT);
	ck_assert_int_eq(C.err, 0);
	ck_assert_int_eq(C.n_term, 1);
	ck_assert_int_eq(tsx_state(ct), TSX_TERMINATED);
	run_to(200000);
	ck_assert_uint_eq(n_out, 7);
	s = stats();
	ck_assert_uint_eq(s.timeouts, 1);
	ck_assert_uint_eq(s.retransmits, 6);
	ck_assert_uint_eq(s.clients, 0);
	ck_assert_uint_eq(s.created, 1);
	ck_assert_uint_eq(tmr_heap_count(&heap), 0);
	tsx_unref(ct);
}
END_TEST

START_TEST(test_client_ni_timer_e_f)
{
	static const uint64_t want[] = { 0,     500,   1500,  3500,
					 7500,  11500, 15500, 19500,
					 23500, 27500, 31500 };
	struct tsx *ct = client("OPTIONS", "z9hG4bKcn1", TP_UDP);

	ck_assert_int_eq(tsx_state(ct), TSX_TRYING);
	run_to(31999);
	/* RFC 3261 17.1.2.2: Timer E doubles up to T2. */
	times_are("OPTIONS", want, 11);
	ck_assert_int_eq(C.n_failed, 0);
	run_to(32000);
	ck_assert_int_eq(C.n_failed, 1);
	ck_assert_int_eq(C.why, TSX_FAIL_TIMEOUT);
	ck_assert_int_eq(C.n_term, 1);
	tsx_unref(ct);
}
END_TEST

START_TEST(test_client_ni_proceeding)
{
	static const uint64_t want[] = { 0, 500, 1500, 5500, 9500 };
	struct tsx *ct = client("OPTIONS", "z9hG4bKcn2", TP_UDP);

	run_to(600);
	recv_rs(100, "z9hG4bKcn2", NULL, "OPTIONS");
	ck_assert_int_eq(tsx_state(ct), TSX_PROCEEDING);
	ck_assert_int_eq(C.n, 1);
	ck_assert_uint_eq(C.st[0], 100);
	run_to(10000);
	/* The pending Timer E fires at 1500; from then on it is T2. */
	times_are("OPTIONS", want, 5);
	recv_rs(200, "z9hG4bKcn2", "b1", "OPTIONS");
	ck_assert_int_eq(tsx_state(ct), TSX_COMPLETED);
	ck_assert_uint_eq(tsx_final_status(ct), 200);
	ck_assert_int_eq(C.n, 2);
	ck_assert_uint_eq(C.st[1], 200);
	run_to(12000);
	recv_rs(200, "z9hG4bKcn2", "b1", "OPTIONS");
	ck_assert_int_eq(C.n, 2);
	ck_assert_uint_eq(stats().absorbed, 1);
	/* Timer K is T4 over UDP. */
	run_to(14999);
	ck_assert_int_eq(C.n_term, 0);
	run_to(15000);
	ck_assert_int_eq(C.n_term, 1);
	ck_assert_uint_eq(count_sent("OPTIONS"), 5);
	ck_assert_int_eq(C.n_failed, 0);
	tsx_unref(ct);
}
END_TEST

START_TEST(test_client_invite_ack)
{
	struct tsx *ct = client("INVITE", "z9hG4bKci3", TP_UDP);
	const struct sip_msg *ack;
	const struct sip_hdr *h;
	size_t first;

	run_to(100);
	recv_rs(180, "z9hG4bKci3", "b9", "INVITE");
	ck_assert_int_eq(tsx_state(ct), TSX_PROCEEDING);
	run_to(1000);
	ck_assert_uint_eq(count_sent("INVITE"), 1);
	recv_rs(486, "z9hG4bKci3", "b9", "INVITE");
	ck_assert_int_eq(tsx_state(ct), TSX_COMPLETED);
	ck_assert_uint_eq(tsx_final_status(ct), 486);
	ck_assert_int_eq(C.n, 2);
	ck_assert_uint_eq(C.st[0], 180);
	ck_assert_uint_eq(C.st[1], 486);

	/* RFC 3261 17.1.1.3: the ACK. */
	first = n_out - 1;
	ack = last_sent();
	ck_assert_int_eq(ack->method, SIP_METHOD_ACK);
	ck_assert_slice(ack->ruri.raw, "sip:bob@192.0.2.20");
	ck_assert_uint_eq(sip_msg_count(ack, SIP_HDR_VIA), 1);
	ck_assert_slice(ack->via.branch, "z9hG4bKci3");
	ck_assert_slice(ack->to.tag, "b9");
	ck_assert_slice(ack->from.tag, "a1");
	ck_assert_slice(ack->call_id, "call-1@192.0.2.10");
	ck_assert_uint_eq(ack->cseq.num, 1);
	ck_assert_int_eq(ack->cseq.method, SIP_METHOD_ACK);
	ck_assert_int_eq(ack->max_forwards, 70);
	ck_assert_int_eq(ack->content_length, 0);
	h = sip_msg_hdr(ack, SIP_HDR_ROUTE);
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->value, "<sip:p1.example.net;lr>");
	h = sip_msg_hdr_next(ack, h);
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->value, "<sip:p2.example.net;lr>");
	ck_assert_ptr_null(sip_msg_hdr_next(ack, h));
	ck_assert(addr_is(&out[first].d.addr, "192.0.2.20", 5060));

	/* A retransmitted final response gets the same ACK again. */
	run_to(2000);
	recv_rs(486, "z9hG4bKci3", "b9", "INVITE");
	ck_assert_uint_eq(count_sent("ACK"), 2);
	ck_assert_uint_eq(out[n_out - 1].len, out[first].len);
	ck_assert(memcmp(out[n_out - 1].p, out[first].p, out[first].len) == 0);
	ck_assert_int_eq(C.n, 2);
	ck_assert_uint_eq(stats().absorbed, 1);
	/* Timer D: 32 s over UDP. */
	run_to(32999);
	ck_assert_int_eq(C.n_term, 0);
	run_to(33000);
	ck_assert_int_eq(C.n_term, 1);
	ck_assert_int_eq(C.n_failed, 0);
	tsx_unref(ct);
}
END_TEST

START_TEST(test_client_tcp)
{
	struct tsx *ct = client("INVITE", "z9hG4bKct4", TP_TCP);

	/* RFC 3261 17.1.1.2: no Timer A over a reliable transport; Timer B
	 * still runs. */
	run_to(31999);
	ck_assert_uint_eq(count_sent("INVITE"), 1);
	run_to(32000);
	ck_assert_int_eq(C.n_failed, 1);
	ck_assert_int_eq(C.why, TSX_FAIL_TIMEOUT);
	tsx_unref(ct);

	/* Timer K is zero: the transaction ends at the next heap run. */
	ct = client("OPTIONS", "z9hG4bKct5", TP_TCP);
	run_to(40000);
	ck_assert_uint_eq(count_sent("OPTIONS"), 1);
	recv_rs(200, "z9hG4bKct5", "x", "OPTIONS");
	ck_assert_int_eq(tsx_state(ct), TSX_COMPLETED);
	ck_assert_int_eq(C.n_term, 1);
	run_to(40000);
	ck_assert_int_eq(tsx_state(ct), TSX_TERMINATED);
	ck_assert_int_eq(C.n_term, 2);
	tsx_unref(ct);

	/* Timer D is zero as well. */
	ct = client("INVITE", "z9hG4bKct6", TP_TCP);
	recv_rs(404, "z9hG4bKct6", "x", "INVITE");
	ck_assert_uint_eq(count_sent("ACK"), 1);
	ck_assert_int_eq(tsx_state(ct), TSX_COMPLETED);
	run_to(40000);
	ck_assert_int_eq(tsx_state(ct), TSX_TERMINATED);
	ck_assert_uint_eq(count_sent("INVITE"), 2);
	tsx_unref(ct);
}
END_TEST

START_TEST(test_client_invite_accepted)
{
	struct tsx *ct = client("INVITE", "z9hG4bKca7", TP_UDP);

	run_to(200);
	recv_rs(200, "z9hG4bKca7", "f1", "INVITE");
	/* RFC 6026 7.2: Accepted; the user ACKs 2xx responses itself. */
	ck_assert_int_eq(tsx_state(ct), TSX_ACCEPTED);
	ck_assert_uint_eq(tsx_final_status(ct), 200);
	run_to(1000);
	ck_assert_uint_eq(count_sent("INVITE"), 1);
	recv_rs(200, "z9hG4bKca7", "f2", "INVITE");	/* another fork */
	recv_rs(200, "z9hG4bKca7", "f1", "INVITE");	/* a retransmission */
	recv_rs(486, "z9hG4bKca7", "f3", "INVITE");	/* ignored */
	ck_assert_int_eq(C.n, 3);
	ck_assert_uint_eq(count_sent("ACK"), 0);
	/* Timer M is 64*T1. */
	run_to(32199);
	ck_assert_int_eq(C.n_term, 0);
	run_to(32200);
	ck_assert_int_eq(C.n_term, 1);
	ck_assert_int_eq(C.n_failed, 0);
	ck_assert_int_eq(tsx_client_cancel(ct), -EALREADY);
	tsx_unref(ct);
}
END_TEST

/* Once the starter lets go after the final response, the request goes;
 * responses still match, and a non-2xx's ACK is still resent. */
START_TEST(test_client_slim)
{
	struct tsx *ct = client("INVITE", "z9hG4bKsl1", TP_UDP);

	recv_rs(200, "z9hG4bKsl1", "f1", "INVITE");
	/* The starter still holds it: the request is there. */
	ck_assert_ptr_nonnull(tsx_request(ct));
	ck_assert_uint_eq(stats().slimmed, 0);
	tsx_unref(ct);
	ck_assert_uint_eq(stats().slimmed, 1);
	recv_rs(200, "z9hG4bKsl1", "f2", "INVITE");	/* another fork */
	ck_assert_int_eq(C.n, 2);

	ct = client("INVITE", "z9hG4bKsl2", TP_UDP);
	recv_rs(486, "z9hG4bKsl2", "f3", "INVITE");
	ck_assert_uint_eq(count_sent("ACK"), 1);
	tsx_unref(ct);
	ck_assert_uint_eq(stats().slimmed, 2);
	recv_rs(486, "z9hG4bKsl2", "f3", "INVITE");
	ck_assert_uint_eq(count_sent("ACK"), 2);
	ck_assert_int_eq(C.n, 3);

	ct = client("OPTIONS", "z9hG4bKsl3", TP_UDP);
	recv_rs(200, "z9hG4bKsl3", "f4", "OPTIONS");
	tsx_unref(ct);
	ck_assert_uint_eq(stats().slimmed, 3);
	recv_rs(200, "z9hG4bKsl3", "f4", "OPTIONS");
	ck_assert_int_eq(C.n, 4);
	ck_assert_uint_eq(stats().stray, 0);
	/* Timers M, D and K end them. */
	run_to(40000);
	ck_assert_uint_eq(stats().clients, 0);
	ck_assert_int_eq(C.n_term, 3);
}
END_TEST

START_TEST(test_client_cancel_waits_for_1xx)
{
	struct tsx *ct = client("INVITE", "z9hG4bKcc8", TP_UDP), *nt;
	const struct sip_msg *c;
	const struct sip_hdr *h;

	ck_assert_int_eq(tsx_client_cancel(ct), 0);
	ck_assert_int_eq(tsx_client_cancel(ct), -EALREADY);
	run_to(700);
	/* RFC 3261 9.1: no CANCEL before a provisional response. */
	ck_assert_uint_eq(count_sent("CANCEL"), 0);
	ck_assert_uint_eq(count_sent("INVITE"), 2);
	recv_rs(100, "z9hG4bKcc8", NULL, "INVITE");
	ck_assert_uint_eq(count_sent("CANCEL"), 1);
	c = last_sent();
	ck_assert_int_eq(c->method, SIP_METHOD_CANCEL);
	ck_assert_slice(c->ruri.raw, "sip:bob@192.0.2.20");
	ck_assert_uint_eq(sip_msg_count(c, SIP_HDR_VIA), 1);
	ck_assert_slice(c->via.branch, "z9hG4bKcc8");
	ck_assert_slice(c->from.tag, "a1");
	ck_assert_uint_eq(c->to.tag.len, 0);
	ck_assert_slice(c->call_id, "call-1@192.0.2.10");
	ck_assert_uint_eq(c->cseq.num, 1);
	ck_assert_int_eq(c->cseq.method, SIP_METHOD_CANCEL);
	h = sip_msg_hdr(c, SIP_HDR_ROUTE);
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->value, "<sip:p1.example.net;lr>");
	ck_assert_slice(sip_msg_hdr_next(c, h)->value,
			"<sip:p2.example.net;lr>");
	ck_assert(addr_is(&out[n_out - 1].d.addr, "192.0.2.20", 5060));
	ck_assert_uint_eq(stats().clients, 2);
	/* The CANCEL is retransmitted in its own transaction. */
	run_to(1200);
	ck_assert_uint_eq(count_sent("CANCEL"), 2);
	ck_assert_uint_eq(count_sent("INVITE"), 2);
	recv_rs(200, "z9hG4bKcc8", "c1", "CANCEL");
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(U.n_stray, 0);
	recv_rs(487, "z9hG4bKcc8", "c1", "INVITE");
	ck_assert_int_eq(C.n, 2);
	ck_assert_uint_eq(C.st[1], 487);
	ck_assert_uint_eq(count_sent("ACK"), 1);
	run_to(100000);
	ck_assert_uint_eq(stats().clients, 0);
	ck_assert_int_eq(C.n_failed, 0);
	ck_assert_int_eq(C.n_term, 1);	/* the CANCEL's are not told */
	ck_assert_int_eq(tsx_client_cancel(ct), -EALREADY);
	tsx_unref(ct);

	nt = client("OPTIONS", "z9hG4bKcc9", TP_UDP);
	ck_assert_int_eq(tsx_client_cancel(nt), -EINVAL);
	tsx_unref(nt);
}
END_TEST

START_TEST(test_client_timer_c)
{
	struct tsx *ct;

	tsx_layer_free(L);
	cfg.timer_c_ms = 10000;
	layer_make();
	ct = client("INVITE", "z9hG4bKtc1", TP_UDP);
	run_to(1000);
	recv_rs(180, "z9hG4bKtc1", "t1", "INVITE");
	run_to(5000);
	recv_rs(183, "z9hG4bKtc1", "t1", "INVITE");
	/* Each provisional restarts Timer C. */
	run_to(14999);
	ck_assert_int_eq(C.n_failed, 0);
	ck_assert_uint_eq(count_sent("CANCEL"), 0);
	run_to(15000);
	ck_assert_int_eq(C.n_failed, 1);
	ck_assert_int_eq(C.why, TSX_FAIL_TIMER_C);
	ck_assert_uint_eq(count_sent("CANCEL"), 1);
	ck_assert_uint_eq(out[n_out - 1].at, 15000);
	ck_assert_uint_eq(stats().timeouts, 1);
	/* The 487 is ACKed but no longer handed up. */
	run_to(15100);
	recv_rs(200, "z9hG4bKtc1", "t1", "CANCEL");
	recv_rs(487, "z9hG4bKtc1", "t1", "INVITE");
	ck_assert_uint_eq(count_sent("ACK"), 1);
	ck_assert_int_eq(C.n, 2);
	run_to(15100 + 32000);
	ck_assert_int_eq(C.n_term, 1);
	ck_assert_int_eq(C.n_failed, 1);
	ck_assert_uint_eq(stats().timeouts, 1);
	tsx_unref(ct);
}
END_TEST

START_TEST(test_client_timer_c_without_1xx)
{
	struct tsx *ct;

	tsx_layer_free(L);
	cfg.timer_c_ms = 2000;
	layer_make();
	ct = client("INVITE", "z9hG4bKtc2", TP_UDP);
	run_to(1999);
	ck_assert_int_eq(C.n_failed, 0);
	run_to(2000);
	/* RFC 3261 16.8: as if 408 had come; nothing to CANCEL. */
	ck_assert_int_eq(C.n_failed, 1);
	ck_assert_int_eq(C.why, TSX_FAIL_TIMER_C);
	ck_assert_int_eq(C.n_term, 1);
	ck_assert_uint_eq(count_sent("CANCEL"), 0);
	tsx_unref(ct);

	/* tsx_client_timer_c restarts it with a new length. */
	ct = client("INVITE", "z9hG4bKtc3", TP_UDP);
	tsx_client_timer_c(ct, 5000);
	run_to(4999);
	ck_assert_int_eq(C.n_failed, 1);
	run_to(5000 + 2000);
	ck_assert_int_eq(C.n_failed, 2);
	ck_assert_int_eq(C.why, TSX_FAIL_TIMER_C);
	ck_assert_uint_eq(stats().timeouts, 2);
	tsx_unref(ct);
}
END_TEST

START_TEST(test_client_stray)
{
	struct tsx *ct;

	recv_rs(200, "z9hG4bKnone", "x", "INVITE");
	ck_assert_int_eq(U.n_stray, 1);
	ck_assert_uint_eq(U.stray_status, 200);
	ck_assert_uint_eq(stats().stray, 1);
	ct = client("INVITE", "z9hG4bKst1", TP_UDP);
	/* RFC 3261 17.1.3: the CSeq method must match too. */
	recv_rs(200, "z9hG4bKst1", "x", "BYE");
	ck_assert_int_eq(U.n_stray, 2);
	ck_assert_int_eq(C.n, 0);
	/* Branches compare case-insensitively. */
	recv_rs(180, "Z9HG4BKST1", NULL, "INVITE");
	ck_assert_int_eq(C.n, 1);
	ck_assert_uint_eq(stats().stray, 2);
	tsx_unref(ct);
}
END_TEST

START_TEST(test_client_send_errors)
{
	struct tp_dest d = dest_of(TP_UDP, "192.0.2.20", 5060);
	struct tsx *ct = NULL;
	char *text = rq_text(&(struct rq){ .method = "OPTIONS" });

	fail_at = 0;
	fail_rc = -ENETUNREACH;
	ck_assert_int_eq(tsx_client_start(L, &d, text, strlen(text), &ccb, &C,
					  &ct),
			 -ENETUNREACH);
	ck_assert_ptr_null(ct);
	run_to(100000);
	ck_assert_int_eq(C.n_failed + C.n_term + C.n, 0);
	ck_assert_uint_eq(stats().clients, 0);
	ck_assert_uint_eq(stats().transport_errors, 1);
	free(text);

	/* A failed retransmission fails the transaction (17.1.4). */
	send_calls = 0;
	fail_at = 1;
	ct = client("OPTIONS", "z9hG4bKse1", TP_UDP);
	run_to(100499);
	ck_assert_int_eq(C.n_failed, 0);
	run_to(100500);
	ck_assert_int_eq(C.n_failed, 1);
	ck_assert_int_eq(C.why, TSX_FAIL_TRANSPORT);
	ck_assert_int_eq(C.err, -ENETUNREACH);
	ck_assert_int_eq(C.n_term, 1);
	ck_assert_uint_eq(stats().transport_errors, 2);
	tsx_unref(ct);
}
END_TEST

START_TEST(test_client_tp_error)
{
	struct tp_dest other = dest_of(TP_UDP, "192.0.2.30", 5060);
	struct tp_dest bad = dest_of(TP_UDP, "192.0.2.20", 5060);
	struct tsx *a = client("INVITE", "z9hG4bKte1", TP_UDP);
	struct tsx *b = client("OPTIONS", "z9hG4bKte2", TP_UDP);
	struct tsx *c = client("OPTIONS", "z9hG4bKte3", TP_TCP);
	struct tsx *d = NULL;
	char *text = rq_text(&(struct rq){
		.method = "OPTIONS",
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKte4" });

	ck_assert_int_eq(tsx_client_start(L, &other, text, strlen(text), &ccb,
					  &C, &d),
			 0);
	free(text);
	tsx_layer_tp_error(L, &bad, -ECONNREFUSED);
	/* Only those sending to that transport and address fail. */
	ck_assert_int_eq(C.n_failed, 2);
	ck_assert_int_eq(C.why, TSX_FAIL_TRANSPORT);
	ck_assert_int_eq(C.err, -ECONNREFUSED);
	ck_assert_int_eq(tsx_state(a), TSX_TERMINATED);
	ck_assert_int_eq(tsx_state(b), TSX_TERMINATED);
	ck_assert_int_eq(tsx_state(c), TSX_TRYING);
	ck_assert_int_eq(tsx_state(d), TSX_TRYING);
	ck_assert_uint_eq(stats().transport_errors, 2);
	ck_assert_uint_eq(stats().clients, 2);
	tsx_unref(a);
	tsx_unref(b);
	tsx_unref(c);
	tsx_unref(d);
}
END_TEST

START_TEST(test_client_bad_requests)
{
	struct tp_dest d = dest_of(TP_UDP, "192.0.2.20", 5060);
	struct tsx *ct = NULL;
	char *ack = rq_text(&(struct rq){ .method = "ACK" });
	char *old = rq_text(&(struct rq){
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=1234" });
	static const char junk[] = "not a SIP message\r\n\r\n";

	/* ACK has no client transaction; 17.1.3 needs a 3261 branch. */
	ck_assert_int_eq(tsx_client_start(L, &d, ack, strlen(ack), &ccb, &C,
					  &ct),
			 -EINVAL);
	ck_assert_int_eq(tsx_client_start(L, &d, old, strlen(old), &ccb, &C,
					  &ct),
			 -EINVAL);
	ck_assert_int_eq(tsx_client_start(L, &d, junk, strlen(junk), &ccb, &C,
					  &ct),
			 -EBADMSG);
	ck_assert_ptr_null(ct);
	ck_assert_uint_eq(n_out, 0);
	ck_assert_uint_eq(stats().created, 0);
	free(ack);
	free(old);
}
END_TEST

START_TEST(test_client_ref_past_termination)
{
	struct tsx *ct = client("INVITE", "z9hG4bKrf1", TP_UDP);

	recv_rs(603, "z9hG4bKrf1", "r", "INVITE");
	run_to(40000);
	ck_assert_int_eq(C.n_term, 1);
	/* The caller's reference keeps the request and destination. */
	ck_assert_int_eq(tsx_request(ct)->method, SIP_METHOD_INVITE);
	ck_assert_str_eq(tsx_dest(ct)->realm, "external");
	ck_assert(addr_is(&tsx_dest(ct)->addr, "192.0.2.20", 5060));
	ck_assert_uint_eq(tsx_final_status(ct), 603);
	ck_assert_int_eq(tsx_client_cancel(ct), -EALREADY);
	tsx_client_timer_c(ct, 10);
	ck_assert_uint_eq(tmr_heap_count(&heap), 0);
	tsx_unref(ct);
}
END_TEST

/* A request of ours with more header lines than a pooled block holds is
 * copied into a block of its own: it starts, is sent whole, and its
 * parsed copy has every line. */
START_TEST(test_client_many_headers)
{
	struct tp_dest d = dest_of(TP_UDP, "192.0.2.20", 5060);
	struct tsx *ct = NULL;
	struct buf b;

	buf_init(&b);
	buf_put_cstr(&b, "OPTIONS sip:bob@example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKmany\r\n");
	for (int i = 0; i < 60; i++)
		buf_printf(&b, "X-Pad-%d: %d\r\n", i, i);
	buf_put_cstr(&b, "From: <sip:alice@example.com>;tag=a1\r\n"
			 "To: <sip:bob@example.com>\r\n"
			 "Call-ID: many@192.0.2.10\r\n"
			 "CSeq: 1 OPTIONS\r\n"
			 "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(b.err, 0);
	ck_assert_int_eq(tsx_client_start(L, &d, b.p, b.len, &ccb, &C, &ct),
			 0);
	ck_assert_ptr_nonnull(tsx_request(ct));
	ck_assert_uint_eq(tsx_request(ct)->n_hdr, 66);
	ck_assert_uint_eq(count_sent("OPTIONS"), 1);
	ck_assert_uint_eq(out[0].len, b.len);
	ck_assert_int_eq(memcmp(out[0].p, b.p, b.len), 0);
	buf_free(&b);
	tsx_unref(ct);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("tsx");
	TCase *tc = tcase_create("client");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_branch_new);
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_client_invite_timer_a_b);
	tcase_add_test(tc, test_client_ni_timer_e_f);
	tcase_add_test(tc, test_client_ni_proceeding);
	tcase_add_test(tc, test_client_invite_ack);
	tcase_add_test(tc, test_client_tcp);
	tcase_add_test(tc, test_client_many_headers);
	tcase_add_test(tc, test_client_invite_accepted);
	tcase_add_test(tc, test_client_slim);
	tcase_add_test(tc, test_client_cancel_waits_for_1xx);
	tcase_add_test(tc, test_client_timer_c);
	tcase_add_test(tc, test_client_timer_c_without_1xx);
	tcase_add_test(tc, test_client_stray);
	tcase_add_test(tc, test_client_send_errors);
	tcase_add_test(tc, test_client_tp_error);
	tcase_add_test(tc, test_client_bad_requests);
	tcase_add_test(tc, test_client_ref_past_termination);
	suite_add_tcase(s, tc);

	suite_add_tcase(s, check_tsx_server_tcase());
	return s;
}
