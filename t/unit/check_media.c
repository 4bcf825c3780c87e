/*
 * Tests of the ng protocol pieces (sbc/bencode.h, sbc/rtpe.h): bencode
 * round trips and malformed input; the client against a small UDP
 * responder on the same libuv loop that plays rtpengine: retransmission
 * with the same cookie, timeout, failover to the next server, answers
 * with a wrong cookie ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "check_main.h"
#include "sbc/bencode.h"
#include "sbc/rtpe.h"

START_TEST(encode_decode)
{
	static const char want[] =
		"d7:command5:offer1:ni-42e7:replacel6:origin0:ee";
	struct buf b;
	struct bencode n[32];
	const struct bencode *l;
	int len;

	buf_init(&b);
	bencode_put_dict(&b);
	bencode_put_kv(&b, "command", "offer");
	bencode_put_cstr(&b, "n");
	bencode_put_int(&b, -42);
	bencode_put_cstr(&b, "replace");
	bencode_put_list(&b);
	bencode_put_cstr(&b, "origin");
	bencode_put_cstr(&b, "");
	bencode_put_end(&b);
	bencode_put_end(&b);
	ck_assert(!b.err);
	/* A buf holds bytes, not a C string: compare them with the length. */
	ck_assert_uint_eq(b.len, strlen(want));
	ck_assert(memcmp(b.p, want, b.len) == 0);
	len = bencode_decode(b.p, b.len, n, 32);
	ck_assert_int_eq(len, (int)b.len);
	ck_assert(str_eq(bencode_get_str(&n[0], "command"), STR("offer")));
	ck_assert_int_eq(bencode_get(&n[0], "n")->i, -42);
	l = bencode_get(&n[0], "replace");
	ck_assert_int_eq(l->type, BENCODE_LIST);
	ck_assert(str_eq(l->child->s, STR("origin")));
	ck_assert_int_eq((int)l->child->next->s.len, 0);
	ck_assert_ptr_null(l->child->next->next);
	ck_assert_ptr_null(bencode_get(&n[0], "missing"));
	ck_assert(!str_isset(bencode_get_str(&n[0], "n")));
	buf_free(&b);
}
END_TEST

static int dec(const char *s)
{
	struct bencode n[8];

	return bencode_decode(s, strlen(s), n, 8);
}

START_TEST(malformed)
{
	char deep[64];

	ck_assert_int_eq(dec(""), -EINVAL);
	ck_assert_int_eq(dec("d3:abc"), -EINVAL);		/* truncated */
	ck_assert_int_eq(dec("5:abc"), -EINVAL);		/* past the end */
	ck_assert_int_eq(dec("99999999999999999999:x"), -EINVAL);
	ck_assert_int_eq(dec("9223372036854775807:x"), -EINVAL);
	ck_assert_int_eq(dec("i12"), -EINVAL);
	ck_assert_int_eq(dec("i-0e"), -EINVAL);
	ck_assert_int_eq(dec("i03e"), -EINVAL);
	ck_assert_int_eq(dec("ie"), -EINVAL);
	ck_assert_int_eq(dec("03:abc"), -EINVAL);
	ck_assert_int_eq(dec("di1ei2ee"), -EINVAL);	/* key not a string */
	ck_assert_int_eq(dec("l1:a1:b1:c1:d1:e1:f1:g1:he"), -E2BIG);
	memset(deep, 'l', 40);
	memset(deep + 40, 'e', 20);
	deep[60] = '\0';
	ck_assert_int_eq(dec(deep), -E2BIG);
	{
		struct bencode n[64];

		ck_assert_int_eq(bencode_decode(deep, 40, n, 64), -ELOOP);
	}
	ck_assert_int_eq(dec("i9223372036854775807e"), 21);
	ck_assert_int_eq(dec("i9223372036854775808e"), -EINVAL);
	ck_assert_int_eq(dec("le"), 2);
}
END_TEST

/* The responder: answers "cookie d6:result2:oke" after dropping the
 * first `drop` requests; with bad_cookie, answers another cookie. */
struct peer {
	uv_udp_t udp;
	struct sockaddr_storage addr;
	int drop;
	int bad_cookie;
	int seen;
	char first_cookie[32];
	int same_cookie;
	char buf[2048];
};

static void peer_alloc(uv_handle_t *h, size_t n, uv_buf_t *b)
{
	struct peer *p = h->data;

	(void)n;
	*b = uv_buf_init(p->buf, sizeof(p->buf));
}

static void peer_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b,
		      const struct sockaddr *from, unsigned flags)
{
	struct peer *p = h->data;
	char out[128];
	const char *sp;
	uv_buf_t ob;

	(void)flags;
	if (n <= 0 || !from)
		return;
	sp = memchr(b->base, ' ', (size_t)n);
	ck_assert_ptr_nonnull(sp);
	if (p->seen++ == 0)
		snprintf(p->first_cookie, sizeof(p->first_cookie), "%.*s",
			 (int)(sp - b->base), b->base);
	else if (strncmp(p->first_cookie, b->base,
			 (size_t)(sp - b->base)) == 0)
		p->same_cookie++;
	if (p->seen <= p->drop)
		return;
	snprintf(out, sizeof(out), "%.*s d6:result2:oke",
		 (int)(sp - b->base), p->bad_cookie ? "XXXXXXXXXXXXXXXX"
						    : b->base);
	ob = uv_buf_init(out, (unsigned)strlen(out));
	uv_udp_try_send(h, &ob, 1, from);
}

static void peer_start(uv_loop_t *loop, struct peer *p)
{
	struct sockaddr_in a;
	int len = sizeof(p->addr);

	uv_ip4_addr("127.0.0.1", 0, &a);
	ck_assert_int_eq(uv_udp_init(loop, &p->udp), 0);
	p->udp.data = p;
	ck_assert_int_eq(uv_udp_bind(&p->udp, (struct sockaddr *)&a, 0), 0);
	uv_udp_getsockname(&p->udp, (struct sockaddr *)&p->addr, &len);
	uv_udp_recv_start(&p->udp, peer_alloc, peer_recv);
}

struct result {
	int done, err, server;
	uv_loop_t *loop;
};

static void on_result(int err, int server, const struct bencode *r, void *arg)
{
	struct result *res = arg;

	(void)r;
	res->done++;
	res->err = err;
	res->server = server;
	uv_stop(res->loop);
}

/* Runs a request against two peers; returns the client's stats. */
static void run(struct peer *p0, struct peer *p1, int server,
		struct result *res, struct rtpe_stats *st)
{
	uv_loop_t loop;
	struct rtpe *r;
	struct rtpe_server_cfg sv[2];
	struct rtpe_cfg cfg = { .servers = sv, .n_servers = 2,
				.timeout_ms = 60, .tries = 2,
				.ping_ms = 100000 };
	uv_timer_t guard;

	uv_loop_init(&loop);
	peer_start(&loop, p0);
	peer_start(&loop, p1);
	sv[0] = (struct rtpe_server_cfg){ .name = "one", .addr = p0->addr };
	sv[1] = (struct rtpe_server_cfg){ .name = "two", .addr = p1->addr };
	ck_assert_int_eq(rtpe_new(&loop, &cfg, &r), 0);
	ck_assert_int_eq(rtpe_find(r, "two"), 1);
	memset(res, 0, sizeof(*res));
	res->loop = &loop;
	/* The first ping round goes out at once: let it pass. */
	ck_assert_int_eq(rtpe_request(r, server, STR("d7:command5:querye"),
				      on_result, res, NULL), 0);
	uv_timer_init(&loop, &guard);
	uv_timer_start(&guard, (uv_timer_cb)uv_stop, 3000, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	rtpe_stats_get(r, st);
	rtpe_close(r);
	uv_close((uv_handle_t *)&guard, NULL);
	uv_close((uv_handle_t *)&p0->udp, NULL);
	uv_close((uv_handle_t *)&p1->udp, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

START_TEST(retransmit_same_cookie)
{
	struct peer p0 = { .drop = 1 }, p1 = { 0 };
	struct result res;
	struct rtpe_stats st;

	run(&p0, &p1, 0, &res, &st);
	ck_assert_int_eq(res.done, 1);
	ck_assert_int_eq(res.err, 0);
	ck_assert_int_eq(res.server, 0);
	ck_assert_int_eq(st.retransmits, 1);
	ck_assert_int_ge(p0.same_cookie, 1);
	ck_assert_int_eq(p1.seen, 0);
}
END_TEST

START_TEST(timeout_fixed_server)
{
	struct peer p0 = { .drop = 100 }, p1 = { 0 };
	struct result res;
	struct rtpe_stats st;

	run(&p0, &p1, 0, &res, &st);
	ck_assert_int_eq(res.done, 1);
	ck_assert_int_eq(res.err, -ETIMEDOUT);
	ck_assert_int_eq(p0.seen, 2);	/* tries = 2 */
	ck_assert_int_eq(p1.seen, 0);	/* server 0 was asked for */
	ck_assert_int_eq(st.timeouts, 1);
}
END_TEST

START_TEST(failover_any_server)
{
	struct peer p0 = { .drop = 100 }, p1 = { 0 };
	struct result res;
	struct rtpe_stats st;

	run(&p0, &p1, -1, &res, &st);
	ck_assert_int_eq(res.done, 1);
	ck_assert_int_eq(res.err, 0);
	ck_assert_int_eq(res.server, 1);
	ck_assert_int_eq(st.failovers, 1);
}
END_TEST

START_TEST(wrong_cookie_ignored)
{
	struct peer p0 = { .bad_cookie = 1 }, p1 = { .drop = 100 };
	struct result res;
	struct rtpe_stats st;

	run(&p0, &p1, 0, &res, &st);
	ck_assert_int_eq(res.err, -ETIMEDOUT);
	ck_assert_int_ge(st.stray, 2);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("media");
	TCase *tc = tcase_create("bencode");

	tcase_add_test(tc, encode_decode);
	tcase_add_test(tc, malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("rtpe");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, retransmit_same_cookie);
	tcase_add_test(tc, timeout_fixed_server);
	tcase_add_test(tc, failover_any_server);
	tcase_add_test(tc, wrong_cookie_ignored);
	suite_add_tcase(s, tc);
	return s;
}
