/*
 * Tests of the transports over real sockets on 127.0.0.0/8 (and ::1 when
 * the host has it): UDP between realms, TCP framing, keep-alives, reuse,
 * limits and failures; the TLS tests are in check_tp_tls.c.  Every test
 * runs the loop under a guard timer, so none can hang, and closes
 * everything so that LeakSanitizer sees no leak.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <uv.h>

#include "check_tp.h"
#include "sbc/log.h"

uv_loop_t loop;
static uv_timer_t guard;
int expired;
struct side sides[3];
int raw_fds[4] = { -1, -1, -1, -1 };

static void guard_cb(uv_timer_t *t)
{
	(void)t;
	expired = 1;
}

void guard_start(unsigned ms)
{
	expired = 0;
	uv_timer_start(&guard, guard_cb, ms, 0);
}

void guard_stop(void)
{
	uv_timer_stop(&guard);
}

static void on_recv(struct tp *tp, const struct tp_src *src, const char *p,
		    size_t len, void *arg)
{
	struct side *s = arg;
	const char *name;
	int i = s->n;

	(void)tp;
	ck_assert_int_lt(i, MAXREC);
	s->len[i] = len;
	memcpy(s->msg[i], p, len < sizeof(s->msg[i]) ? len : 0);
	s->src[i] = *src;
	if (src->conn) {
		tp_conn_ref(src->conn);
		name = tp_conn_server_name(src->conn);
		if (name)
			snprintf(s->sni[i], sizeof(s->sni[i]), "%s", name);
	}
	s->n++;
}

static void on_error(struct tp *tp, const struct tp_dest *d, int err,
		     void *arg)
{
	struct side *s = arg;
	int i = s->nerr;

	(void)tp;
	ck_assert_int_lt(i, MAXREC);
	s->err[i] = err;
	s->edest[i] = *d;
	snprintf(s->erealm[i], sizeof(s->erealm[i]), "%s",
		 d->realm ? d->realm : "");
	snprintf(s->ename[i], sizeof(s->ename[i]), "%s",
		 d->server_name ? d->server_name : "");
	s->edest[i].realm = NULL;
	s->edest[i].server_name = NULL;
	s->nerr++;
}

void setup(void)
{
	log_set_level(getenv("TP_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	memset(sides, 0, sizeof(sides));
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	uv_timer_init(&loop, &guard);
}

void teardown(void)
{
	for (int i = 0; i < 3; i++)
		if (sides[i].tp)
			tp_close(sides[i].tp);
	uv_close((uv_handle_t *)&guard, NULL);
	for (int i = 0; i < 2000 && uv_loop_alive(&loop); i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	ck_assert(!uv_loop_alive(&loop));
	/* Connections outlive the set while referenced, closed. */
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < sides[i].n; j++) {
			struct tp_conn *c = sides[i].src[j].conn;

			if (c) {
				ck_assert(!tp_conn_open(c));
				tp_conn_unref(c);
			}
		}
	}
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	for (int i = 0; i < 4; i++)
		if (raw_fds[i] >= 0) {
			close(raw_fds[i]);
			raw_fds[i] = -1;
		}
}

struct sockaddr_storage ip_addr(const char *ip, int port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':'))
		ck_assert_int_eq(uv_ip6_addr(ip, port,
					     (struct sockaddr_in6 *)&ss), 0);
	else
		ck_assert_int_eq(uv_ip4_addr(ip, port,
					     (struct sockaddr_in *)&ss), 0);
	return ss;
}

union tp_sockaddr ip_sa(const char *ip, int port)
{
	struct sockaddr_storage ss = ip_addr(ip, port);
	union tp_sockaddr a;

	tp_sockaddr_set(&a, &ss);
	return a;
}

int has_ipv6(void)
{
	struct sockaddr_storage ss = ip_addr("::1", 0);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), ok;

	if (fd < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&ss, sizeof(struct sockaddr_in6)) ==
	     0;
	close(fd);
	return ok;
}

struct tp *side_new(int i, const struct tp_cfg *cfg)
{
	ck_assert_int_eq(tp_new(&loop, cfg, on_recv, on_error, &sides[i],
				&sides[i].tp),
			 0);
	return sides[i].tp;
}

struct tp_lsn *lsn_tls(int i, const char *name, const char *realm,
			      enum tp_proto proto, const char *ip,
			      const struct tp_tls_cfg *tls)
{
	struct tp_lsn_cfg c = { .name = name, .realm = realm, .proto = proto };
	struct tp_lsn *l;
	char err[256];

	c.addr = ip_addr(ip, 0);
	if (tls)
		c.tls = *tls;
	ck_assert_msg(tp_listen(sides[i].tp, &c, &l, err, sizeof(err)) == 0,
		      "listen: %s", err);
	return l;
}

struct tp_lsn *lsn(int i, const char *name, const char *realm,
			  enum tp_proto proto, const char *ip)
{
	return lsn_tls(i, name, realm, proto, ip, NULL);
}

struct tp_dest dest_to(enum tp_proto proto, const struct tp_lsn *to,
			      const char *realm)
{
	struct sockaddr_storage ss;
	struct tp_dest d;

	memset(&d, 0, sizeof(d));
	d.proto = proto;
	tp_lsn_addr(to, &ss);
	tp_sockaddr_set(&d.addr, &ss);
	d.realm = realm;
	return d;
}

int port_of(const void *addr)
{
	const struct sockaddr *sa = addr;

	return sa->sa_family == AF_INET6
		       ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port)
		       : ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

int same_ip(const void *ss, const char *ip)
{
	struct sockaddr_storage x = ip_addr(ip, port_of(ss));
	char a[64], b[64];

	return strcmp(tp_addr_fmt((const struct sockaddr *)ss, a, sizeof(a)),
		      tp_addr_fmt((const struct sockaddr *)&x, b,
				  sizeof(b))) == 0;
}

struct tp_stats stats(int i)
{
	struct tp_stats s;

	tp_stats_get(sides[i].tp, &s);
	return s;
}

/* A blocking client socket connected to listener l, kept in raw_fds. */
int raw_connect(const struct tp_lsn *l)
{
	struct sockaddr_storage ss;
	int fd, one = 1, i;

	tp_lsn_addr(l, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	for (i = 0; raw_fds[i] >= 0; i++)
		;
	raw_fds[i] = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss,
				 ss.ss_family == AF_INET6
					 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in)),
			 0);
	return fd;
}

void raw_write(int fd, const char *p, size_t n)
{
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
}

/* Reads what arrives within ms; -1 on error, 0 at end of stream. */
ssize_t raw_read(int fd, char *p, size_t n, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) <= 0)
		return -2;
	return read(fd, p, n);
}
/* ---- basics ---- */

START_TEST(test_names)
{
	enum tp_proto p;
	struct tp_cfg c;
	struct sockaddr_storage ss;
	char b[64];

	ck_assert_str_eq(tp_proto_name(TP_UDP), "UDP");
	ck_assert_str_eq(tp_proto_name(TP_TCP), "TCP");
	ck_assert_str_eq(tp_proto_name(TP_TLS), "TLS");
	ck_assert_int_eq(tp_proto_parse("tls", 3, &p), 0);
	ck_assert_int_eq(p, TP_TLS);
	ck_assert_int_eq(tp_proto_parse("TcP;x", 3, &p), 0);
	ck_assert_int_eq(p, TP_TCP);
	ck_assert_int_eq(tp_proto_parse("SCTP", 4, &p), -EINVAL);
	ck_assert_int_eq(tp_proto_parse("ud", 2, &p), -EINVAL);
	ck_assert_uint_eq(tp_proto_default_port(TP_UDP), 5060);
	ck_assert_uint_eq(tp_proto_default_port(TP_TCP), 5060);
	ck_assert_uint_eq(tp_proto_default_port(TP_TLS), 5061);
	tp_cfg_default(&c);
	ck_assert_uint_eq(c.idle_ms, 120000);
	ck_assert_uint_eq(c.connect_ms, 5000);
	ck_assert_uint_eq(c.max_conns, 4096);
	ck_assert_uint_eq(c.max_conn_buf, 256 * 1024);
	ss = ip_addr("127.0.0.1", 5060);
	ck_assert_str_eq(tp_addr_fmt((struct sockaddr *)&ss, b, sizeof(b)),
			 "127.0.0.1:5060");
	ss = ip_addr("::1", 5061);
	ck_assert_str_eq(tp_addr_fmt((struct sockaddr *)&ss, b, sizeof(b)),
			 "[::1]:5061");
}
END_TEST

/* tp_addr_parse reads back what tp_addr_fmt writes, and little else. */
START_TEST(test_addr_parse)
{
	static const char *const round[] = { "127.0.0.1:5060", "[::1]:5061",
					     "[2001:db8::7]:1",
					     "10.1.2.3:65535" };
	static const char *const bad[] = { "", ":5060", "127.0.0.1:",
					   "127.0.0.1:65536", "127.0.0.1:5x",
					   "[::1", "[::1]x", "[127.0.0.1]:5",
					   "pbx.example:5060", "1.2.3",
					   "[]:5" };
	struct sockaddr_storage ss;
	char b[64];

	for (size_t i = 0; i < sizeof(round) / sizeof(*round); i++) {
		ck_assert_int_eq(tp_addr_parse(round[i], 0, &ss), 0);
		ck_assert_str_eq(tp_addr_fmt((struct sockaddr *)&ss, b,
					     sizeof(b)),
				 round[i]);
	}
	/* Without a port, the default; a bare IPv6 literal has none. */
	ck_assert_int_eq(tp_addr_parse("192.0.2.9", 5070, &ss), 0);
	ck_assert_str_eq(tp_addr_fmt((struct sockaddr *)&ss, b, sizeof(b)),
			 "192.0.2.9:5070");
	ck_assert_int_eq(tp_addr_parse("fe80::1:2", 9, &ss), 0);
	ck_assert_str_eq(tp_addr_fmt((struct sockaddr *)&ss, b, sizeof(b)),
			 "[fe80::1:2]:9");
	ck_assert_int_eq(tp_addr_parse("[::1]", 7, &ss), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(tp_addr_parse(bad[i], 1, &ss) == -EINVAL,
			      "'%s' accepted", bad[i]);
}
END_TEST

/* ---- UDP ---- */

START_TEST(test_udp_realms)
{
	struct tp_lsn *a, *b;
	struct sockaddr_storage aa, ba;
	struct tp_dest d;
	struct side *s = &sides[0];

	side_new(0, NULL);
	a = lsn(0, "ext", "external", TP_UDP, "127.0.0.1");
	b = lsn(0, "int", "internal", TP_UDP, "127.0.0.2");
	tp_lsn_addr(a, &aa);
	tp_lsn_addr(b, &ba);
	ck_assert_int_ne(port_of(&aa), 0);

	/* From the internal realm to the external listener. */
	d = dest_to(TP_UDP, a, "internal");
	ck_assert_int_eq(tp_send(s->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 1, 2000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_uint_eq(s->len[0], sizeof(msg1) - 1);
	ck_assert(memcmp(s->msg[0], msg1, s->len[0]) == 0);
	ck_assert_ptr_eq(s->src[0].lsn, a);
	ck_assert_ptr_null(s->src[0].conn);
	ck_assert_int_eq(s->src[0].proto, TP_UDP);
	/* It left from the internal listener's address and port. */
	ck_assert(memcmp(&s->src[0].peer, &ba, sizeof(struct sockaddr_in)) ==
		  0);
	ck_assert(memcmp(&s->src[0].local, &aa, sizeof(struct sockaddr_in)) ==
		  0);

	/* The answer leaves from where the request came in. */
	memset(&d, 0, sizeof(d));
	d.proto = TP_UDP;
	d.addr = s->src[0].peer;
	d.lsn = s->src[0].lsn;
	ck_assert_int_eq(tp_send(s->tp, &d, msg2, sizeof(msg2) - 1), 0);
	RUN_UNTIL(s->n == 2, 2000);
	ck_assert_int_eq(s->n, 2);
	ck_assert_ptr_eq(s->src[1].lsn, b);
	ck_assert(memcmp(&s->src[1].peer, &aa, sizeof(struct sockaddr_in)) ==
		  0);
	ck_assert_uint_eq(stats(0).msgs_in[TP_UDP], 2);
	ck_assert_uint_eq(stats(0).msgs_out[TP_UDP], 2);
	ck_assert_uint_eq(stats(0).bytes_out[TP_UDP],
			  sizeof(msg1) + sizeof(msg2) - 2);
}
END_TEST

START_TEST(test_udp_sizes)
{
	static char big[65508];
	struct tp_lsn *a, *b;
	struct tp_dest d;
	struct side *s = &sides[0];

	side_new(0, NULL);
	a = lsn(0, "a", "a", TP_UDP, "127.0.0.1");
	b = lsn(0, "b", "b", TP_UDP, "127.0.0.2");
	memset(big, 'x', sizeof(big));
	d = dest_to(TP_UDP, b, "a");
	ck_assert_int_eq(tp_send(s->tp, &d, big, sizeof(big)), -EMSGSIZE);
	ck_assert_uint_eq(stats(0).send_errors, 1);
	/* The largest datagram arrives whole. */
	ck_assert_int_eq(tp_send(s->tp, &d, big, sizeof(big) - 1), 0);
	RUN_UNTIL(s->n == 1, 2000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_uint_eq(s->len[0], 65507);
	ck_assert_ptr_eq(s->src[0].lsn, b);
	/* No listener of the realm, transport or family: -ENOENT. */
	d.realm = "nowhere";
	ck_assert_int_eq(tp_send(s->tp, &d, msg1, sizeof(msg1) - 1), -ENOENT);
	d.realm = "a";
	d.proto = TP_TCP;
	ck_assert_int_eq(tp_send(s->tp, &d, msg1, sizeof(msg1) - 1), -ENOENT);
	d.proto = TP_UDP;
	d.addr = ip_sa("::1", 5060);
	ck_assert_int_eq(tp_send(s->tp, &d, msg1, sizeof(msg1) - 1), -ENOENT);
	ck_assert_uint_eq(stats(0).send_errors, 4);
	(void)a;
}
END_TEST

START_TEST(test_udp_ipv6)
{
	struct tp_lsn *a, *b;
	struct sockaddr_storage aa;
	struct tp_dest d;
	struct side *s = &sides[0];

	if (!has_ipv6())
		return;
	side_new(0, NULL);
	a = lsn(0, "a6", "a", TP_UDP, "::1");
	b = lsn(0, "b6", "b", TP_UDP, "::1");
	d = dest_to(TP_UDP, b, "a");
	ck_assert_int_eq(tp_send(s->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 1, 2000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_ptr_eq(s->src[0].lsn, b);
	ck_assert_int_eq(s->src[0].peer.sa.sa_family, AF_INET6);
	tp_lsn_addr(a, &aa);
	ck_assert_int_eq(port_of(&s->src[0].peer), port_of(&aa));
}
END_TEST

START_TEST(test_lsn_for)
{
	struct tp_lsn *u4, *t4, *u6 = NULL, *o;
	struct tp_dest d;
	struct tp *tp = side_new(0, NULL);

	u4 = lsn(0, "u4", "ext", TP_UDP, "127.0.0.1");
	t4 = lsn(0, "t4", "ext", TP_TCP, "127.0.0.1");
	o = lsn(0, "o", "int", TP_UDP, "127.0.0.2");
	if (has_ipv6())
		u6 = lsn(0, "u6", "ext", TP_UDP, "::1");
	ck_assert_str_eq(tp_lsn_name(t4), "t4");
	ck_assert_str_eq(tp_lsn_realm(t4), "ext");
	ck_assert_int_eq(tp_lsn_proto(t4), TP_TCP);

	memset(&d, 0, sizeof(d));
	d.addr = ip_sa("127.0.0.9", 5060);
	d.realm = "ext";
	d.proto = TP_UDP;
	ck_assert_ptr_eq(tp_lsn_for(tp, &d), u4);
	d.proto = TP_TCP;
	ck_assert_ptr_eq(tp_lsn_for(tp, &d), t4);
	d.proto = TP_TLS;
	ck_assert_ptr_null(tp_lsn_for(tp, &d));
	d.proto = TP_UDP;
	d.realm = "int";
	ck_assert_ptr_eq(tp_lsn_for(tp, &d), o);
	d.realm = "none";
	ck_assert_ptr_null(tp_lsn_for(tp, &d));
	/* An explicit listener wins over the realm. */
	d.lsn = o;
	d.realm = "ext";
	ck_assert_ptr_eq(tp_lsn_for(tp, &d), o);
	/* Of another transport, it names the realm. */
	d.lsn = u4;
	d.realm = NULL;
	d.proto = TP_TCP;
	ck_assert_ptr_eq(tp_lsn_for(tp, &d), t4);
	d.lsn = NULL;
	d.realm = "ext";
	d.proto = TP_UDP;
	d.addr = ip_sa("::1", 5060);
	ck_assert_ptr_eq(tp_lsn_for(tp, &d), u6);
}
END_TEST

START_TEST(test_listen_errors)
{
	struct tp_lsn_cfg c = { .name = "a", .realm = "r", .proto = TP_UDP };
	struct tp_lsn *l, *l2;
	struct tp *tp = side_new(0, NULL);
	char err[256];

	c.addr = ip_addr("127.0.0.1", 0);
	ck_assert_int_eq(tp_listen(tp, &c, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(tp_listen(tp, &c, &l2, err, sizeof(err)), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err, "taken"));
	/* The same port again is in use. */
	c.name = "b";
	tp_lsn_addr(l, &c.addr);
	ck_assert_int_eq(tp_listen(tp, &c, &l2, err, sizeof(err)),
			 -EADDRINUSE);
	ck_assert_ptr_null(l2);
	ck_assert_int_ne(err[0], '\0');
	c.proto = TP_TCP;
	c.addr = ip_addr("127.0.0.1", 0);
	c.realm = NULL;
	ck_assert_int_eq(tp_listen(tp, &c, &l2, err, sizeof(err)), -EINVAL);
}
END_TEST

/* ---- UDP batches ---- */

/*
 * sendmmsg(2) as tp_udp.c sees it: this definition takes the C library's
 * place in this program (libuv makes its own system calls, so only the
 * batches come here).  It counts calls and datagrams, and plays a full
 * socket buffer: after mm_take = k, the next call sends at most k
 * datagrams and the one after fails with EAGAIN.
 */
static int mm_calls, mm_msgs, mm_take = -1;

int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	int rc;

	mm_calls++;
	if (mm_take == 0) {
		mm_take = -1;
		errno = EAGAIN;
		return -1;
	}
	if (mm_take > 0) {
		if ((unsigned)mm_take < n)
			n = (unsigned)mm_take;
		mm_take = 0;
	}
	rc = (int)syscall(SYS_sendmmsg, fd, v, n, flags);
	if (rc > 0)
		mm_msgs += rc;
	return rc;
}

static void mm_reset(void)
{
	mm_calls = 0;
	mm_msgs = 0;
	mm_take = -1;
}

/* A UDP socket with room for all that a test sends, kept in raw_fds. */
static int raw_udp(const char *ip, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);
	int fd, big = 4 << 20, i;

	*ss = ip_addr(ip, 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	for (i = 0; raw_fds[i] >= 0; i++)
		;
	raw_fds[i] = fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)ss,
			      sizeof(struct sockaddr_in)),
			 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)ss, &len), 0);
	return fd;
}

static struct tp_dest udp_dest(const struct sockaddr_storage *ss,
			       const char *realm)
{
	struct tp_dest d;

	memset(&d, 0, sizeof(d));
	d.proto = TP_UDP;
	tp_sockaddr_set(&d.addr, ss);
	d.realm = realm;
	return d;
}

static char seq_buf[65536];

/* Sends "seq <i>.", padded with dots to len bytes. */
static int send_seq(int side, const struct tp_dest *d, int i, size_t len)
{
	int n = snprintf(seq_buf, sizeof(seq_buf), "seq %d.", i);

	if (len < (size_t)n)
		len = (size_t)n;
	memset(seq_buf + n, '.', len - (size_t)n);
	return tp_send(sides[side].tp, d, seq_buf, len);
}

/* Reads "seq <from>." to "seq <to - 1>." from fd, in that order. */
static void expect_seq(int fd, int from, int to, size_t len)
{
	static char b[65536];
	char want[32];
	ssize_t n;
	int w;

	for (int i = from; i < to; i++) {
		w = snprintf(want, sizeof(want), "seq %d.", i);
		n = raw_read(fd, b, sizeof(b), 1000);
		ck_assert_msg(n > 0, "seq %d: nothing (%zd)", i, n);
		ck_assert_msg(n >= w && memcmp(b, want, (size_t)w) == 0,
			      "seq %d: got '%.*s'", i, (int)(n < 20 ? n : 20),
			      b);
		ck_assert_uint_eq((size_t)n, len > (size_t)w ? len : (size_t)w);
	}
}

static void count_sent(void *arg, const struct tp_dest *d, const void *p,
		       size_t len)
{
	(void)d;
	(void)p;
	(void)len;
	(*(unsigned long *)arg)++;
}

/* Side 0 with a UDP listener in realm "a", and a raw socket that it
   sends to, returned, with d the destination to reach it. */
static int batch_setup(struct tp_dest *d)
{
	struct sockaddr_storage ra;
	int fd;

	mm_reset();
	side_new(0, NULL);
	lsn(0, "a", "a", TP_UDP, "127.0.0.1");
	fd = raw_udp("127.0.0.2", &ra);
	*d = udp_dest(&ra, "a");
	return fd;
}

/* Datagrams sent in one turn of the loop leave together, in order. */
START_TEST(test_udp_batch)
{
	static char big[65508];
	struct tp_dest d;
	unsigned long seen = 0;
	int fd = batch_setup(&d);

	tp_set_sent_cb(sides[0].tp, count_sent, &seen);
	/* Two batches fill and leave at once; two datagrams wait for the
	   loop to poll. */
	for (int i = 0; i < 130; i++)
		ck_assert_int_eq(send_seq(0, &d, i, 0), 0);
	ck_assert_int_eq(mm_calls, 2);
	ck_assert_int_eq(mm_msgs, 128);
	/* The observer and the counters see each one when it is taken. */
	ck_assert_uint_eq(seen, 130);
	ck_assert_uint_eq(stats(0).msgs_out[TP_UDP], 130);
	/* Too large is still refused at once, and the batch is intact. */
	ck_assert_int_eq(tp_send(sides[0].tp, &d, big, sizeof(big)),
			 -EMSGSIZE);
	ck_assert_uint_eq(stats(0).send_errors, 1);
	ck_assert_uint_eq(seen, 130);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(mm_calls, 3);
	ck_assert_int_eq(mm_msgs, 130);
	expect_seq(fd, 0, 130, 0);
	ck_assert_int_eq(raw_read(fd, big, sizeof(big), 50), -2);
	ck_assert_uint_eq(stats(0).send_errors, 1);
}
END_TEST

/* A batch is full by bytes too: four datagrams of 60,000. */
START_TEST(test_udp_batch_bytes)
{
	struct tp_dest d;
	int fd = batch_setup(&d);

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(send_seq(0, &d, i, 60000), 0);
	ck_assert_int_eq(mm_calls, 1);
	ck_assert_int_eq(mm_msgs, 4);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(mm_msgs, 5);
	expect_seq(fd, 0, 5, 60000);
}
END_TEST

/*
 * The kernel takes part of a batch and then nothing: the rest goes to
 * libuv's queue, datagrams sent meanwhile go behind it, and all arrive
 * in order.
 */
START_TEST(test_udp_batch_eagain)
{
	struct tp_dest d;
	int fd = batch_setup(&d);

	mm_take = 3;
	for (int i = 0; i < 70; i++)
		ck_assert_int_eq(send_seq(0, &d, i, 0), 0);
	ck_assert_int_eq(mm_calls, 2);
	ck_assert_int_eq(mm_msgs, 3);
	RUN_UNTIL(0, 100);
	expect_seq(fd, 0, 70, 0);
	ck_assert_int_eq(mm_calls, 2);
	ck_assert_uint_eq(stats(0).send_errors, 0);
	ck_assert_uint_eq(stats(0).msgs_out[TP_UDP], 70);
	/* The queue drained: the next datagram is batched again. */
	ck_assert_int_eq(send_seq(0, &d, 70, 0), 0);
	RUN_UNTIL(mm_calls == 3, 1000);
	ck_assert_int_eq(mm_msgs, 4);
	expect_seq(fd, 70, 71, 0);
}
END_TEST

/*
 * A datagram the kernel refuses (port 0: EINVAL) fails after tp_send took
 * it; it is counted, and the others of its batch still leave, in order.
 */
START_TEST(test_udp_batch_error)
{
	struct sockaddr_storage bad = ip_addr("127.0.0.2", 0);
	struct tp_dest d, e = udp_dest(&bad, "a");
	int fd = batch_setup(&d);

	ck_assert_int_eq(send_seq(0, &e, 100, 0), 0);
	ck_assert_int_eq(send_seq(0, &d, 0, 0), 0);
	ck_assert_int_eq(send_seq(0, &e, 101, 0), 0);
	ck_assert_int_eq(send_seq(0, &d, 1, 0), 0);
	ck_assert_int_eq(send_seq(0, &d, 2, 0), 0);
	ck_assert_uint_eq(stats(0).send_errors, 0);
	uv_run(&loop, UV_RUN_NOWAIT);
	/* Failed, sent one, failed, sent two. */
	ck_assert_int_eq(mm_calls, 4);
	ck_assert_int_eq(mm_msgs, 3);
	expect_seq(fd, 0, 3, 0);
	ck_assert_uint_eq(stats(0).send_errors, 2);
	ck_assert_uint_eq(stats(0).msgs_out[TP_UDP], 5);
	/* The failed destination is reported once, after the batch, so
	 * that transactions to it fail over without waiting for Timer B. */
	ck_assert_int_eq(sides[0].nerr, 1);
	ck_assert_int_eq(sides[0].edest[0].proto, TP_UDP);
	ck_assert(memcmp(&sides[0].edest[0].addr, &bad,
			 sizeof(struct sockaddr_in)) == 0);
	ck_assert_int_lt(sides[0].err[0], 0);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(sides[0].nerr, 1);
}
END_TEST

/* Closing the set sends what is batched; teardown checks the rest. */
START_TEST(test_udp_batch_close)
{
	struct tp_dest d;
	char b[64];
	int fd = batch_setup(&d);

	side_new(1, NULL);
	lsn(1, "b", "b", TP_UDP, "127.0.0.1");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(send_seq(0, &d, i, 0), 0);
	ck_assert_int_eq(raw_read(fd, b, sizeof(b), 0), -2);
	tp_close(sides[0].tp);
	sides[0].tp = NULL;
	ck_assert_int_eq(mm_calls, 1);
	expect_seq(fd, 0, 3, 0);
	/* Closed while the kernel takes nothing: libuv's queue is
	   cancelled with the handle, and nothing leaks. */
	d.realm = "b";
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(send_seq(1, &d, i, 0), 0);
	mm_take = 0;
	tp_close(sides[1].tp);
	sides[1].tp = NULL;
	ck_assert_int_eq(mm_calls, 2);
}
END_TEST

static const char *rx_at[32];
static char rx_msg[32][16];
static int rx_n;

static void rx_recv(struct tp *tp, const struct tp_src *src, const char *p,
		    size_t len, void *arg)
{
	(void)tp;
	(void)src;
	(void)arg;
	ck_assert_int_lt(rx_n, 32);
	rx_at[rx_n] = p;
	snprintf(rx_msg[rx_n], sizeof(rx_msg[0]), "%.*s", (int)len, p);
	rx_n++;
}

/* Datagrams waiting on the socket are read together, and delivered in
   order one by one. */
START_TEST(test_udp_recv_batch)
{
	struct sockaddr_storage la, ra;
	char b[32];
	int fd, n, j = 0;

	rx_n = 0;
	ck_assert_int_eq(tp_new(&loop, NULL, rx_recv, NULL, NULL,
				&sides[0].tp),
			 0);
	tp_lsn_addr(lsn(0, "a", "a", TP_UDP, "127.0.0.1"), &la);
	fd = raw_udp("127.0.0.2", &ra);
	for (int i = 0; i < 12; i++) {
		/* An empty datagram among them is dropped, as ever. */
		n = i == 5 ? 0 : snprintf(b, sizeof(b), "seq %d.", i);
		ck_assert_int_eq(sendto(fd, b, (size_t)n, 0,
					(struct sockaddr *)&la,
					sizeof(struct sockaddr_in)),
				 n);
	}
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(rx_n, 11);
	for (int i = 0; i < 12; i++) {
		if (i == 5)
			continue;
		snprintf(b, sizeof(b), "seq %d.", i);
		ck_assert_str_eq(rx_msg[j], b);
		j++;
	}
	/* One read, each datagram in its own chunk of the set's buffer. */
	for (int i = 1; i < 11; i++)
		ck_assert_ptr_ne(rx_at[i], rx_at[i - 1]);
	ck_assert_uint_eq(stats(0).msgs_in[TP_UDP], 11);

	/* A read that did not fill the buffer ended that wakeup's reading;
	 * the next wakeup reads again, and more than one read's worth is
	 * read in full within one. */
	for (int round = 0; round < 3; round++) {
		int want = round == 1 ? 21 : 3;

		rx_n = 0;
		for (int i = 0; i < want; i++) {
			n = snprintf(b, sizeof(b), "r%d %d.", round, i);
			ck_assert_int_eq(sendto(fd, b, (size_t)n, 0,
						(struct sockaddr *)&la,
						sizeof(struct sockaddr_in)),
					 n);
		}
		uv_run(&loop, UV_RUN_NOWAIT);
		ck_assert_int_eq(rx_n, want);
		snprintf(b, sizeof(b), "r%d %d.", round, want - 1);
		ck_assert_str_eq(rx_msg[want - 1], b);
	}
}
END_TEST

/* ---- TCP ---- */

START_TEST(test_tcp_bytewise)
{
	struct side *s = &sides[0];
	struct tp_lsn *l;
	size_t n = sizeof(msg2) - 1;
	struct sockaddr_storage ss, la;
	socklen_t sl = sizeof(ss);
	int fd;

	side_new(0, NULL);
	l = lsn(0, "t", "r", TP_TCP, "127.0.0.2");
	tp_lsn_addr(l, &la);
	fd = raw_connect(l);
	for (size_t i = 0; i < n; i++) {
		raw_write(fd, msg2 + i, 1);
		uv_run(&loop, UV_RUN_NOWAIT);
		uv_run(&loop, UV_RUN_NOWAIT);
		if (i + 1 < n)
			ck_assert_int_eq(s->n, 0);
	}
	RUN_UNTIL(s->n == 1, 2000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_uint_eq(s->len[0], n);
	ck_assert(memcmp(s->msg[0], msg2, n) == 0);
	ck_assert_int_eq(s->src[0].proto, TP_TCP);
	ck_assert_ptr_nonnull(s->src[0].conn);
	ck_assert(tp_conn_open(s->src[0].conn));
	ck_assert_ptr_null(tp_conn_server_name(s->src[0].conn));
	/* The source is the client socket, the local side the listener. */
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	ck_assert(memcmp(&s->src[0].peer, &ss, sizeof(struct sockaddr_in)) ==
		  0);
	ck_assert(memcmp(&s->src[0].local, &la, sizeof(struct sockaddr_in)) ==
		  0);
	ck_assert_uint_eq(stats(0).conns_accepted, 1);
	ck_assert_uint_eq(stats(0).conns_open, 1);
}
END_TEST

START_TEST(test_tcp_two_in_one)
{
	struct side *s = &sides[0];
	char both[1024];
	size_t n1 = sizeof(msg1) - 1, n2 = sizeof(msg2) - 1;
	int fd;

	side_new(0, NULL);
	fd = raw_connect(lsn(0, "t", "r", TP_TCP, "127.0.0.2"));
	memcpy(both, msg1, n1);
	memcpy(both + n1, msg2, n2);
	/* A third message, cut short, waits for the rest. */
	memcpy(both + n1 + n2, msg1, 20);
	raw_write(fd, both, n1 + n2 + 20);
	RUN_UNTIL(s->n == 2, 2000);
	ck_assert_int_eq(s->n, 2);
	ck_assert_uint_eq(s->len[0], n1);
	ck_assert(memcmp(s->msg[0], msg1, n1) == 0);
	ck_assert_uint_eq(s->len[1], n2);
	ck_assert(memcmp(s->msg[1], msg2, n2) == 0);
	ck_assert_ptr_eq(s->src[0].conn, s->src[1].conn);
	raw_write(fd, msg1 + 20, n1 - 20);
	RUN_UNTIL(s->n == 3, 2000);
	ck_assert_int_eq(s->n, 3);
	ck_assert(memcmp(s->msg[2], msg1, n1) == 0);
	ck_assert_uint_eq(stats(0).msgs_in[TP_TCP], 3);
	ck_assert_uint_eq(stats(0).bytes_in[TP_TCP], 2 * n1 + n2);
}
END_TEST

START_TEST(test_tcp_ping)
{
	struct side *s = &sides[0];
	char b[16];
	int fd;

	side_new(0, NULL);
	fd = raw_connect(lsn(0, "t", "r", TP_TCP, "127.0.0.2"));
	/* RFC 5626 3.5.1: CRLFCRLF is answered with CRLF. */
	raw_write(fd, "\r\n\r\n", 4);
	RUN_UNTIL(stats(0).pings == 1, 2000);
	ck_assert_uint_eq(stats(0).pings, 1);
	ck_assert_int_eq(raw_read(fd, b, sizeof(b), 1000), 2);
	ck_assert(memcmp(b, "\r\n", 2) == 0);
	/* A pong is taken quietly, and messages go on. */
	raw_write(fd, "\r\n", 2);
	raw_write(fd, msg1, sizeof(msg1) - 1);
	RUN_UNTIL(s->n == 1, 2000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_uint_eq(stats(0).pings, 1);
	ck_assert_uint_eq(stats(0).framing_errors, 0);
	ck_assert_int_eq(raw_read(fd, b, sizeof(b), 50), -2);
}
END_TEST

START_TEST(test_tcp_broken)
{
	static const char bad[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n"
				  "Call-ID: 1\r\n\r\n";
	struct side *s = &sides[0];
	char b[16];
	int fd;

	side_new(0, NULL);
	fd = raw_connect(lsn(0, "t", "r", TP_TCP, "127.0.0.2"));
	raw_write(fd, msg1, sizeof(msg1) - 1);
	raw_write(fd, bad, sizeof(bad) - 1);
	RUN_UNTIL(stats(0).framing_errors == 1 && stats(0).conns_open == 0,
		  2000);
	ck_assert_uint_eq(stats(0).framing_errors, 1);
	ck_assert_uint_eq(stats(0).conns_open, 0);
	/* What came before the break was delivered. */
	ck_assert_int_eq(s->n, 1);
	ck_assert(!tp_conn_open(s->src[0].conn));
	ck_assert_int_le(raw_read(fd, b, sizeof(b), 1000), 0);
	ck_assert_int_ge(raw_read(fd, b, sizeof(b), 1000), -1);
}
END_TEST

START_TEST(test_tcp_peer_gone)
{
	struct side *s = &sides[0];
	struct tp_dest d;
	int fd, rc = 0;

	/* SIGPIPE is left as it is by default: tp_new must deal with it. */
	signal(SIGPIPE, SIG_DFL);
	side_new(0, NULL);
	fd = raw_connect(lsn(0, "t", "r", TP_TCP, "127.0.0.2"));
	raw_write(fd, msg1, sizeof(msg1) - 1);
	RUN_UNTIL(s->n == 1, 2000);
	ck_assert_int_eq(s->n, 1);
	close(fd);
	raw_fds[0] = -1;
	/* The peer is gone before the loop hears of it: a write meets its
	   reset, the next one EPIPE, and the error is tp_send's. */
	memset(&d, 0, sizeof(d));
	d.proto = TP_TCP;
	d.addr = s->src[0].peer;
	d.conn = s->src[0].conn;
	for (int i = 0; i < 5 && rc == 0; i++)
		rc = tp_send(s->tp, &d, msg2, sizeof(msg2) - 1);
	ck_assert_msg(rc == -EPIPE || rc == -ECONNRESET, "rc %d", rc);
	ck_assert(!tp_conn_open(s->src[0].conn));
	ck_assert_uint_eq(stats(0).conns_open, 0);
	ck_assert_uint_eq(stats(0).send_errors, 1);
	RUN_UNTIL(0, 20);
	ck_assert_int_eq(s->nerr, 0);
}
END_TEST

START_TEST(test_tcp_reuse_and_reply)
{
	struct side *c = &sides[0], *s = &sides[1];
	struct tp_lsn *cl, *sl;
	struct sockaddr_storage ca;
	struct tp_dest d;

	side_new(0, NULL);
	side_new(1, NULL);
	/* Not 127.0.0.1, which the kernel would pick by itself. */
	cl = lsn(0, "c", "a", TP_TCP, "127.0.0.3");
	sl = lsn(1, "s", "b", TP_TCP, "127.0.0.2");
	tp_lsn_addr(cl, &ca);
	d = dest_to(TP_TCP, sl, "a");
	/* Both are queued while the connection opens. */
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	ck_assert_int_eq(tp_send(c->tp, &d, msg2, sizeof(msg2) - 1), 0);
	RUN_UNTIL(s->n == 2, 2000);
	ck_assert_int_eq(s->n, 2);
	ck_assert(memcmp(s->msg[0], msg1, sizeof(msg1) - 1) == 0);
	ck_assert(memcmp(s->msg[1], msg2, sizeof(msg2) - 1) == 0);
	ck_assert_ptr_eq(s->src[0].conn, s->src[1].conn);
	/* The connection left from the realm's address, another port. */
	ck_assert(same_ip(&s->src[0].peer, "127.0.0.3"));
	ck_assert_int_ne(port_of(&s->src[0].peer), port_of(&ca));
	/* A third send, after the open, uses the same connection. */
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 3, 2000);
	ck_assert_ptr_eq(s->src[2].conn, s->src[0].conn);
	ck_assert_uint_eq(stats(0).conns_connected, 1);
	ck_assert_uint_eq(stats(1).conns_accepted, 1);

	/* Replies: over the request's connection, and by its address. */
	memset(&d, 0, sizeof(d));
	d.proto = TP_TCP;
	d.addr = s->src[0].peer;
	d.lsn = s->src[0].lsn;
	d.conn = s->src[0].conn;
	ck_assert_int_eq(tp_send(s->tp, &d, msg2, sizeof(msg2) - 1), 0);
	d.conn = NULL;
	d.lsn = NULL;
	d.realm = "b";
	ck_assert_int_eq(tp_send(s->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(c->n == 2, 2000);
	ck_assert_int_eq(c->n, 2);
	ck_assert(memcmp(c->msg[0], msg2, sizeof(msg2) - 1) == 0);
	ck_assert_ptr_eq(c->src[0].conn, c->src[1].conn);
	ck_assert_ptr_eq(c->src[0].lsn, cl);
	ck_assert(same_ip(&c->src[0].peer, "127.0.0.2"));
	ck_assert_uint_eq(stats(1).conns_connected, 0);
	ck_assert_uint_eq(stats(1).conns_open, 1);
	ck_assert_uint_eq(stats(0).conns_open, 1);
	ck_assert_uint_eq(stats(0).msgs_out[TP_TCP], 3);
	ck_assert_int_eq(c->nerr + s->nerr, 0);
}
END_TEST

START_TEST(test_tcp_idle)
{
	struct tp_cfg cfg;
	struct side *c = &sides[0], *s = &sides[1];
	struct tp_dest d;
	uint64_t t0;

	tp_cfg_default(&cfg);
	side_new(0, NULL);
	cfg.idle_ms = 150;
	side_new(1, &cfg);
	lsn(0, "c", "a", TP_TCP, "127.0.0.1");
	d = dest_to(TP_TCP, lsn(1, "s", "b", TP_TCP, "127.0.0.2"), "a");
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 1, 2000);
	uv_update_time(&loop);
	t0 = uv_now(&loop);
	/* Activity keeps it open: a ping 100 ms in. */
	RUN_UNTIL(0, 100);
	ck_assert_int_eq(tp_send(c->tp, &d, "\r\n\r\n", 4), 0);
	RUN_UNTIL(stats(1).pings == 1, 1000);
	RUN_UNTIL(0, 100);
	ck_assert_uint_eq(stats(1).conns_idle_closed, 0);
	ck_assert(tp_conn_open(s->src[0].conn));
	RUN_UNTIL(stats(1).conns_idle_closed == 1, 2000);
	ck_assert_uint_eq(stats(1).conns_idle_closed, 1);
	ck_assert_uint_ge(uv_now(&loop) - t0, 240);
	ck_assert_uint_eq(stats(1).conns_open, 0);
	ck_assert(!tp_conn_open(s->src[0].conn));
	/* The client sees the close; nothing was lost, nothing reported. */
	RUN_UNTIL(stats(0).conns_open == 0, 2000);
	ck_assert_uint_eq(stats(0).conns_open, 0);
	ck_assert_int_eq(c->nerr, 0);
	/* The next send opens a new connection. */
	ck_assert_int_eq(tp_send(c->tp, &d, msg2, sizeof(msg2) - 1), 0);
	RUN_UNTIL(s->n == 2, 2000);
	ck_assert_int_eq(s->n, 2);
	ck_assert_ptr_ne(s->src[1].conn, s->src[0].conn);
	ck_assert_uint_eq(stats(0).conns_connected, 2);
}
END_TEST

START_TEST(test_tcp_max_conns)
{
	struct tp_cfg cfg;
	struct side *s = &sides[0];
	struct tp_lsn *sl, *sl2;
	struct tp_dest d;

	tp_cfg_default(&cfg);
	cfg.max_conns = 1;
	side_new(0, &cfg);
	side_new(1, NULL);
	side_new(2, &cfg);
	sl = lsn(0, "s", "b", TP_TCP, "127.0.0.2");
	sl2 = lsn(0, "s2", "b", TP_TCP, "127.0.0.3");
	lsn(1, "c1", "a", TP_TCP, "127.0.0.1");
	lsn(2, "c2", "a", TP_TCP, "127.0.0.1");
	d = dest_to(TP_TCP, sl, "a");
	ck_assert_int_eq(tp_send(sides[1].tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 1, 2000);
	ck_assert_int_eq(s->n, 1);
	/* A second connection in is refused: accepted and closed. */
	ck_assert_int_eq(tp_send(sides[2].tp, &d, msg2, sizeof(msg2) - 1), 0);
	RUN_UNTIL(stats(0).conns_refused == 1 && stats(2).conns_open == 0,
		  2000);
	ck_assert_uint_eq(stats(0).conns_refused, 1);
	ck_assert_uint_eq(stats(0).conns_open, 1);
	ck_assert_uint_eq(stats(2).conns_open, 0);
	RUN_UNTIL(0, 50);
	ck_assert_int_eq(s->n, 1);
	/* A second connection out is refused by tp_send. */
	d = dest_to(TP_TCP, sl2, "a");
	ck_assert_int_eq(tp_send(sides[2].tp, &d, msg1, sizeof(msg1) - 1), 0);
	d = dest_to(TP_TCP, sl, "a");
	ck_assert_int_eq(tp_send(sides[2].tp, &d, msg1, sizeof(msg1) - 1),
			 -EMFILE);
	ck_assert_uint_eq(stats(2).conns_refused, 1);
}
END_TEST

START_TEST(test_tcp_nobufs)
{
	static const char pre[] = "OPTIONS sip:a@b SIP/2.0\r\nX: ";
	static const char post[] = "\r\nContent-Length: 0\r\n\r\n";
	static char big[1001];
	struct tp_cfg cfg;
	struct side *s = &sides[1];
	struct tp_dest d;

	/* A message of 600 bytes, padded out by a header. */
	memset(big, 'x', sizeof(big));
	memcpy(big, pre, sizeof(pre) - 1);
	memcpy(big + 600 - (sizeof(post) - 1), post, sizeof(post) - 1);
	tp_cfg_default(&cfg);
	cfg.max_conn_buf = 1000;
	side_new(0, &cfg);
	side_new(1, NULL);
	lsn(0, "c", "a", TP_TCP, "127.0.0.1");
	d = dest_to(TP_TCP, lsn(1, "s", "b", TP_TCP, "127.0.0.2"), "a");
	ck_assert_int_eq(tp_send(sides[0].tp, &d, big, 1001), -ENOBUFS);
	/* Queued while connecting, the second goes over the limit. */
	ck_assert_int_eq(tp_send(sides[0].tp, &d, big, 600), 0);
	ck_assert_int_eq(tp_send(sides[0].tp, &d, big, 600), -ENOBUFS);
	ck_assert_uint_eq(stats(0).send_errors, 2);
	ck_assert_uint_eq(stats(0).msgs_out[TP_TCP], 1);
	RUN_UNTIL(s->n == 1, 2000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_uint_eq(s->len[0], 600);
	RUN_UNTIL(0, 50);
	ck_assert_int_eq(s->n, 1);
	ck_assert_uint_eq(stats(1).framing_errors, 0);
}
END_TEST

START_TEST(test_tcp_nobufs_stuck)
{
	static char big[16384];
	struct sockaddr_storage ss = ip_addr("127.0.0.2", 0);
	socklen_t len = sizeof(ss);
	struct tp_cfg cfg;
	struct tp_dest d;
	int fd, small = 4096, rc = 0, i;

	/* A peer that never reads, with a small receive window. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	raw_fds[0] = fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss,
			      sizeof(struct sockaddr_in)),
			 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	tp_cfg_default(&cfg);
	cfg.max_conn_buf = 64 * 1024;
	side_new(0, &cfg);
	lsn(0, "c", "a", TP_TCP, "127.0.0.1");
	memset(&d, 0, sizeof(d));
	d.proto = TP_TCP;
	tp_sockaddr_set(&d.addr, &ss);
	d.realm = "a";
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(tp_send(sides[0].tp, &d, big, sizeof(big)), 0);
	RUN_UNTIL(stats(0).conns_connected == 1, 2000);
	/* The kernel takes what it can, libuv queues the rest up to the
	   limit, and then tp_send says so. */
	for (i = 0; i < 5000 && rc == 0; i++) {
		rc = tp_send(sides[0].tp, &d, big, sizeof(big));
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	ck_assert_int_eq(rc, -ENOBUFS);
	ck_assert_uint_eq(stats(0).send_errors, 1);
	ck_assert_uint_eq(stats(0).conns_open, 1);
	ck_assert_uint_eq(stats(0).conns_connected, 1);
}
END_TEST

START_TEST(test_tcp_refused)
{
	struct side *c = &sides[0];
	struct sockaddr_storage ss = ip_addr("127.0.0.2", 0);
	socklen_t len = sizeof(ss);
	struct tp_dest d;
	int fd;

	/* A bound socket that does not listen: connects are refused. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	raw_fds[0] = fd;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss,
			      sizeof(struct sockaddr_in)),
			 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	side_new(0, NULL);
	lsn(0, "c", "a", TP_TCP, "127.0.0.1");
	memset(&d, 0, sizeof(d));
	d.proto = TP_TCP;
	tp_sockaddr_set(&d.addr, &ss);
	d.realm = "a";
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	ck_assert_int_eq(tp_send(c->tp, &d, msg2, sizeof(msg2) - 1), 0);
	RUN_UNTIL(c->nerr == 1, 2000);
	RUN_UNTIL(0, 50);
	/* Once per destination, with what tp_send was given. */
	ck_assert_int_eq(c->nerr, 1);
	ck_assert_int_eq(c->err[0], -ECONNREFUSED);
	ck_assert_int_eq(c->edest[0].proto, TP_TCP);
	ck_assert(memcmp(&c->edest[0].addr, &ss, sizeof(struct sockaddr_in)) ==
		  0);
	ck_assert_str_eq(c->erealm[0], "a");
	ck_assert_uint_eq(stats(0).conns_open, 0);
	ck_assert_uint_eq(stats(0).conns_connected, 0);
}
END_TEST

START_TEST(test_tcp_ipv6)
{
	struct side *s = &sides[1];
	struct tp_dest d;

	if (!has_ipv6())
		return;
	side_new(0, NULL);
	side_new(1, NULL);
	lsn(0, "c", "a", TP_TCP, "::1");
	d = dest_to(TP_TCP, lsn(1, "s", "b", TP_TCP, "::1"), "a");
	ck_assert_int_eq(tp_send(sides[0].tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 1, 2000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_int_eq(s->src[0].peer.sa.sa_family, AF_INET6);
	ck_assert_int_eq(s->src[0].local.sa.sa_family, AF_INET6);
}
END_TEST

START_TEST(test_tcp_close_busy)
{
	struct side *s = &sides[1];
	struct tp_dest d;

	side_new(0, NULL);
	side_new(1, NULL);
	lsn(0, "c", "a", TP_TCP, "127.0.0.1");
	d = dest_to(TP_TCP, lsn(1, "s", "b", TP_TCP, "127.0.0.2"), "a");
	ck_assert_int_eq(tp_send(sides[0].tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 1, 2000);
	/* One connection open and one opening when the sets close;
	   teardown checks that everything is released, nothing reported. */
	d.addr = ip_sa("127.0.0.3", 9);
	ck_assert_int_eq(tp_send(sides[0].tp, &d, msg1, sizeof(msg1) - 1), 0);
	tp_close(sides[0].tp);
	sides[0].tp = NULL;
	RUN_UNTIL(stats(1).conns_open == 0, 2000);
	ck_assert_uint_eq(stats(1).conns_open, 0);
	ck_assert_int_eq(sides[0].nerr, 0);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("tp");
	TCase *tc = tcase_create("udp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_addr_parse);
	tcase_add_test(tc, test_udp_realms);
	tcase_add_test(tc, test_udp_sizes);
	tcase_add_test(tc, test_udp_ipv6);
	tcase_add_test(tc, test_lsn_for);
	tcase_add_test(tc, test_listen_errors);
	tcase_add_test(tc, test_udp_batch);
	tcase_add_test(tc, test_udp_batch_bytes);
	tcase_add_test(tc, test_udp_batch_eagain);
	tcase_add_test(tc, test_udp_batch_error);
	tcase_add_test(tc, test_udp_batch_close);
	tcase_add_test(tc, test_udp_recv_batch);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_tcp_bytewise);
	tcase_add_test(tc, test_tcp_two_in_one);
	tcase_add_test(tc, test_tcp_ping);
	tcase_add_test(tc, test_tcp_broken);
	tcase_add_test(tc, test_tcp_peer_gone);
	tcase_add_test(tc, test_tcp_reuse_and_reply);
	tcase_add_test(tc, test_tcp_idle);
	tcase_add_test(tc, test_tcp_max_conns);
	tcase_add_test(tc, test_tcp_nobufs);
	tcase_add_test(tc, test_tcp_nobufs_stuck);
	tcase_add_test(tc, test_tcp_refused);
	tcase_add_test(tc, test_tcp_ipv6);
	tcase_add_test(tc, test_tcp_close_busy);
	suite_add_tcase(s, tc);

	suite_add_tcase(s, check_tp_tls_tcase());
	return s;
}
