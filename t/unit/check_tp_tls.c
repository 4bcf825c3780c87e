/*
 * The TLS tests of the transports, with certificates that t/certs.sh
 * makes once for the test case: verification of the server by chain and
 * by name or address, SNI, mutual TLS, and the handshake time limit.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_tp.h"

static char certdir[64];

static char cert_path[8][128];

static const char *cert(const char *name)
{
	static int i;
	char *p = cert_path[i++ % 8];

	snprintf(p, sizeof(cert_path[0]), "%s/%s", certdir, name);
	return p;
}

static void certs_make(void)
{
	char cmd[512];

	strcpy(certdir, "/tmp/check_tp.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(certdir));
	snprintf(cmd, sizeof(cmd), "sh '%s/t/certs.sh' '%s'", SRCDIR, certdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void certs_remove(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", certdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", certdir);
}

static struct tp_tls_cfg tls_cfg(const char *who, int verify_client)
{
	struct tp_tls_cfg t = { .verify_client = verify_client };
	char c[32], k[32];

	snprintf(c, sizeof(c), "%s.pem", who);
	snprintf(k, sizeof(k), "%s.key", who);
	t.cert_file = cert(c);
	t.key_file = cert(k);
	t.ca_file = cert("ca.pem");
	return t;
}

/* Side 0 is a client with cert `client`, side 1 a server with `server`;
   returns the destination of the server. */
static struct tp_dest tls_pair(const char *client, const char *server,
			       int verify_client, const struct tp_cfg *cfg)
{
	struct tp_tls_cfg ct = tls_cfg(client, 0);
	struct tp_tls_cfg st = tls_cfg(server, verify_client);

	side_new(0, cfg);
	side_new(1, NULL);
	lsn_tls(0, "c", "a", TP_TLS, "127.0.0.1", &ct);
	return dest_to(TP_TLS, lsn_tls(1, "s", "b", TP_TLS, "127.0.0.2", &st),
		       "a");
}

START_TEST(test_tls_verified)
{
	struct side *c = &sides[0], *s = &sides[1];
	struct tp_dest d = tls_pair("client", "server", 0, NULL);

	d.server_name = "sbc.test";
	d.verify = 1;
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	ck_assert_int_eq(tp_send(c->tp, &d, msg2, sizeof(msg2) - 1), 0);
	RUN_UNTIL(s->n == 2, 3000);
	ck_assert_int_eq(s->n, 2);
	ck_assert(memcmp(s->msg[0], msg1, sizeof(msg1) - 1) == 0);
	ck_assert(memcmp(s->msg[1], msg2, sizeof(msg2) - 1) == 0);
	ck_assert_int_eq(s->src[0].proto, TP_TLS);
	ck_assert(same_ip(&s->src[0].peer, "127.0.0.1"));
	/* The server heard the name the client asked for. */
	ck_assert_str_eq(s->sni[0], "sbc.test");
	/* The reply goes back over the same TLS connection. */
	memset(&d, 0, sizeof(d));
	d.proto = TP_TLS;
	d.addr = s->src[0].peer;
	d.conn = s->src[0].conn;
	ck_assert_int_eq(tp_send(s->tp, &d, msg2, sizeof(msg2) - 1), 0);
	RUN_UNTIL(c->n == 1, 3000);
	ck_assert_int_eq(c->n, 1);
	ck_assert(memcmp(c->msg[0], msg2, sizeof(msg2) - 1) == 0);
	ck_assert_str_eq(c->sni[0], "sbc.test");
	ck_assert_uint_eq(stats(0).conns_connected, 1);
	ck_assert_uint_eq(stats(0).tls_failures + stats(1).tls_failures, 0);
	ck_assert_uint_eq(stats(0).msgs_out[TP_TLS], 2);
	ck_assert_uint_eq(stats(1).msgs_in[TP_TLS], 2);
	ck_assert_int_eq(c->nerr, 0);
}
END_TEST

START_TEST(test_tls_verify_ip)
{
	struct side *c = &sides[0], *s = &sides[1];
	struct tp_dest d = tls_pair("client", "server", 0, NULL);

	/* No name: the certificate must carry the address, and no SNI
	   is sent (RFC 6066 3 allows no address literals). */
	d.verify = 1;
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 1, 3000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_str_eq(s->sni[0], "");
	ck_assert_int_eq(c->nerr, 0);
}
END_TEST

START_TEST(test_tls_rogue)
{
	struct side *c = &sides[0], *s = &sides[1];
	struct tp_dest d = tls_pair("client", "rogue", 0, NULL);

	d.server_name = "sbc.test";
	d.verify = 1;
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	ck_assert_int_eq(tp_send(c->tp, &d, msg2, sizeof(msg2) - 1), 0);
	RUN_UNTIL(c->nerr == 1, 3000);
	RUN_UNTIL(0, 50);
	ck_assert_int_eq(c->nerr, 1);
	ck_assert_int_eq(c->err[0], -EACCES);
	ck_assert_str_eq(c->ename[0], "sbc.test");
	ck_assert_uint_eq(stats(0).tls_failures, 1);
	ck_assert_uint_eq(stats(0).conns_open, 0);
	ck_assert_int_eq(s->n, 0);
	/* Without verification the same server is accepted. */
	d.verify = 0;
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 1, 3000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_int_eq(c->nerr, 1);
}
END_TEST

START_TEST(test_tls_wrong_name)
{
	struct side *c = &sides[0], *s = &sides[1];
	struct tp_dest d = tls_pair("client", "server", 0, NULL);

	d.server_name = "wrong.example";
	d.verify = 1;
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(c->nerr == 1, 3000);
	ck_assert_int_eq(c->nerr, 1);
	ck_assert_int_eq(c->err[0], -EACCES);
	ck_assert_uint_eq(stats(0).tls_failures, 1);
	ck_assert_int_eq(s->n, 0);
	/* An address the certificate does not carry fails the same way. */
	d.server_name = "127.0.0.9";
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(c->nerr == 2, 3000);
	ck_assert_int_eq(c->nerr, 2);
	ck_assert_int_eq(c->err[1], -EACCES);
	ck_assert_int_eq(s->n, 0);
}
END_TEST

START_TEST(test_tls_mutual)
{
	struct side *c = &sides[0], *s = &sides[1];
	struct tp_dest d = tls_pair("client", "server", 1, NULL);

	d.server_name = "localhost";
	d.verify = 1;
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(s->n == 1, 3000);
	ck_assert_int_eq(s->n, 1);
	ck_assert_str_eq(s->sni[0], "localhost");
	ck_assert_uint_eq(stats(1).tls_failures, 0);
}
END_TEST

START_TEST(test_tls_mutual_untrusted)
{
	struct side *c = &sides[0], *s = &sides[1];
	struct tp_dest d = tls_pair("rogue", "server", 1, NULL);

	d.server_name = "sbc.test";
	d.verify = 1;
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(stats(1).tls_failures == 1 && stats(0).conns_open == 0,
		  3000);
	ck_assert_uint_eq(stats(1).tls_failures, 1);
	ck_assert_uint_eq(stats(1).conns_open, 0);
	ck_assert_uint_eq(stats(0).conns_open, 0);
	RUN_UNTIL(0, 50);
	ck_assert_int_eq(s->n, 0);
	/* The client learns of it from the server's alert, unless the
	   close overtook the alert. */
	ck_assert_int_le(c->nerr, 1);
	if (c->nerr)
		ck_assert_int_eq(c->err[0], -EPROTO);
}
END_TEST

START_TEST(test_tls_mutual_no_cert)
{
	struct tp_tls_cfg st = tls_cfg("server", 1);
	struct sockaddr_storage ss;
	char connect[64];
	pid_t pid;
	int status, devnull;

	side_new(1, NULL);
	tp_lsn_addr(lsn_tls(1, "s", "b", TP_TLS, "127.0.0.2", &st), &ss);
	snprintf(connect, sizeof(connect), "127.0.0.2:%d", port_of(&ss));
	/* A client with no certificate at all: openssl s_client. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execlp("openssl", "openssl", "s_client", "-connect", connect,
		       "-servername", "sbc.test", "-CAfile", cert("ca.pem"),
		       (char *)NULL);
		_exit(127);
	}
	RUN_UNTIL(stats(1).tls_failures == 1, 5000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_assert_uint_eq(stats(1).tls_failures, 1);
	ck_assert_uint_eq(stats(1).conns_accepted, 1);
	ck_assert_int_eq(sides[1].n, 0);
}
END_TEST

START_TEST(test_tls_handshake_timeout)
{
	struct tp_cfg cfg;
	struct tp_tls_cfg ct = tls_cfg("client", 0);
	struct sockaddr_storage ss = ip_addr("127.0.0.2", 0);
	socklen_t len = sizeof(ss);
	struct side *c = &sides[0];
	struct tp_dest d;
	uint64_t t0;
	int fd;

	/* A TCP listener that never speaks TLS. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	raw_fds[0] = fd;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss,
			      sizeof(struct sockaddr_in)),
			 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	tp_cfg_default(&cfg);
	cfg.connect_ms = 200;
	side_new(0, &cfg);
	lsn_tls(0, "c", "a", TP_TLS, "127.0.0.1", &ct);
	memset(&d, 0, sizeof(d));
	d.proto = TP_TLS;
	tp_sockaddr_set(&d.addr, &ss);
	d.realm = "a";
	uv_update_time(&loop);
	t0 = uv_now(&loop);
	ck_assert_int_eq(tp_send(c->tp, &d, msg1, sizeof(msg1) - 1), 0);
	RUN_UNTIL(c->nerr == 1, 3000);
	ck_assert_int_eq(c->nerr, 1);
	ck_assert_int_eq(c->err[0], -ETIMEDOUT);
	ck_assert_uint_ge(uv_now(&loop) - t0, 190);
	ck_assert_uint_eq(stats(0).conns_connected, 1);
	ck_assert_uint_eq(stats(0).conns_open, 0);
}
END_TEST

START_TEST(test_tls_listen_errors)
{
	struct tp_lsn_cfg c = { .name = "t", .realm = "r", .proto = TP_TLS };
	struct tp_lsn *l;
	char err[512];
	struct tp *tp = side_new(0, NULL);

	c.addr = ip_addr("127.0.0.1", 0);
	ck_assert_int_eq(tp_listen(tp, &c, &l, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "certificate"));
	c.tls = tls_cfg("server", 0);
	c.tls.cert_file = cert("missing.pem");
	ck_assert_int_eq(tp_listen(tp, &c, &l, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "missing.pem"));
	c.tls = tls_cfg("server", 0);
	c.tls.key_file = cert("rogue.key");
	ck_assert_int_eq(tp_listen(tp, &c, &l, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "does not match"));
	c.tls = tls_cfg("server", 0);
	c.tls.cert_file = cert("server.key");
	ck_assert_int_eq(tp_listen(tp, &c, &l, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "no certificate"));
	c.tls = tls_cfg("server", 1);
	c.tls.ca_file = NULL;
	ck_assert_int_eq(tp_listen(tp, &c, &l, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "CA"));
	c.tls = tls_cfg("server", 1);
	ck_assert_int_eq(tp_listen(tp, &c, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(tp_lsn_proto(l), TP_TLS);
}
END_TEST

TCase *check_tp_tls_tcase(void)
{
	TCase *tc = tcase_create("tls");

	tcase_add_unchecked_fixture(tc, certs_make, certs_remove);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_tls_verified);
	tcase_add_test(tc, test_tls_verify_ip);
	tcase_add_test(tc, test_tls_rogue);
	tcase_add_test(tc, test_tls_wrong_name);
	tcase_add_test(tc, test_tls_mutual);
	tcase_add_test(tc, test_tls_mutual_untrusted);
	tcase_add_test(tc, test_tls_mutual_no_cert);
	tcase_add_test(tc, test_tls_handshake_timeout);
	tcase_add_test(tc, test_tls_listen_errors);
	return tc;
}
