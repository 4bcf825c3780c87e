/*
 * Tests of the configuration file parser: the sample file, defaults and
 * every error with the exact place and message an operator would see.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "sbc/config.h"

/* Writes text to a fresh temporary file and returns its path. */
static char *write_conf(const char *text)
{
	char *path = strdup("/tmp/check_config.XXXXXX");
	size_t len = strlen(text);
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static int load(struct config *c, const char *text, char **path, char *err,
		size_t errlen)
{
	*path = write_conf(text);
	return config_load(c, *path, err, errlen);
}

START_TEST(test_sample_file)
{
	struct config c;
	char err[256];
	const struct sockaddr_in *sin;

	ck_assert_int_eq(config_load(&c, SRCDIR "/etc/sbc.conf", err,
				     sizeof(err)),
			 0);
	ck_assert_int_eq(c.log_level, LOG_LVL_INFO);
	ck_assert_str_eq(c.database, "var/sbc.db");
	ck_assert_uint_eq(c.n_listeners, 3);
	/* The sample spells out the defaults of [sip] and [transport]. */
	ck_assert_uint_eq(c.sip.t1, 500);
	ck_assert_uint_eq(c.sip.timer_c_ms, 180000);
	ck_assert_uint_eq(c.transport.idle_ms, 120000);
	ck_assert_uint_eq(c.transport.max_conn_buf, 262144);

	ck_assert_str_eq(c.listeners[0].name, "ext-udp");
	ck_assert_str_eq(c.listeners[0].realm, "external");
	ck_assert_int_eq(c.listeners[0].transport, CONFIG_TP_UDP);
	ck_assert_str_eq(c.listeners[0].address, "127.0.0.1");
	ck_assert_uint_eq(c.listeners[0].port, 5060);
	sin = (const struct sockaddr_in *)&c.listeners[0].addr;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sin->sin_port), 5060);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0x7f000001);

	ck_assert_str_eq(c.listeners[1].name, "ext-tcp");
	ck_assert_int_eq(c.listeners[1].transport, CONFIG_TP_TCP);
	ck_assert_str_eq(c.listeners[2].name, "int-udp");
	ck_assert_str_eq(c.listeners[2].realm, "internal");
	ck_assert_str_eq(c.listeners[2].address, "127.0.0.2");
	config_free(&c);
	/* A second free is harmless. */
	config_free(&c);
}
END_TEST

START_TEST(test_defaults_and_syntax)
{
	static const char text[] =
		"; no [general] at all\r\n"
		"\n"
		"   # indented comment\n"
		"[listener v6]   # comment after a header\n"
		"realm=edge.1\n"
		"  address   =   [::1]   ; inline comment\n"
		"[ listener\tv4 ]\n"
		"realm = core_2 # comment\n"
		"address = 192.0.2.10\n"
		"port = 65535\n"
		"transport = udp";	/* no final newline */
	struct config c;
	char err[256], *path, fmt[96];
	const struct sockaddr_in6 *sin6;

	ck_assert_msg(load(&c, text, &path, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_eq(c.log_level, LOG_LVL_INFO);
	ck_assert_str_eq(c.database, CONFIG_DEFAULT_DATABASE);
	ck_assert_str_eq(c.status_socket, "var/sbc.sock");
	ck_assert_uint_eq(c.status_socket_mode, 0600);
	ck_assert_uint_eq(c.n_listeners, 2);

	ck_assert_str_eq(c.listeners[0].name, "v6");
	ck_assert_str_eq(c.listeners[0].realm, "edge.1");
	ck_assert_str_eq(c.listeners[0].address, "::1");
	ck_assert_uint_eq(c.listeners[0].port, CONFIG_DEFAULT_PORT);
	ck_assert_int_eq(c.listeners[0].transport, CONFIG_TP_UDP);
	ck_assert_uint_eq(c.listeners[0].line, 4);
	sin6 = (const struct sockaddr_in6 *)&c.listeners[0].addr;
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(sin6->sin6_port), 5060);
	ck_assert(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	config_listener_fmt(&c.listeners[0], fmt, sizeof(fmt));
	ck_assert_str_eq(fmt, "udp [::1]:5060");

	ck_assert_str_eq(c.listeners[1].name, "v4");
	ck_assert_str_eq(c.listeners[1].realm, "core_2");
	ck_assert_uint_eq(c.listeners[1].port, 65535);
	config_listener_fmt(&c.listeners[1], fmt, sizeof(fmt));
	ck_assert_str_eq(fmt, "udp 192.0.2.10:65535");
	config_free(&c);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_general)
{
	static const char text[] =
		"[general]\n"
		"log_level = debug\n"
		"database = /var/lib/sbc/a;b.db\n"
		"[listener a]\n"
		"realm = external\n"
		"address = 127.0.0.1\n";
	struct config c;
	char err[256], *path;

	ck_assert_msg(load(&c, text, &path, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_eq(c.log_level, LOG_LVL_DEBUG);
	/* ';' not preceded by white space belongs to the value. */
	ck_assert_str_eq(c.database, "/var/lib/sbc/a;b.db");
	config_free(&c);
	unlink(path);
	free(path);
}
END_TEST

#define LISTENER_A "[listener a]\nrealm = external\naddress = 127.0.0.1\n"

/* A file, the line the error is on (0: none), and part of the message. */
static const struct bad_case {
	const char *text;
	unsigned line;
	const char *msg;
} bad_cases[] = {
	{ "[general]\nfoo = 1\n" LISTENER_A, 2,
	  "unknown key 'foo' in [general]" },
	{ LISTENER_A "colour = blue\n", 4,
	  "unknown key 'colour' in [listener a]" },
	{ LISTENER_A "port = 70000\n", 4, "bad port '70000'" },
	{ LISTENER_A "port = 0\n", 4, "bad port '0'" },
	{ LISTENER_A "port = 50x\n", 4, "bad port '50x'" },
	{ LISTENER_A "port =\n", 4, "bad port ''" },
	{ LISTENER_A "\n[listener a]\nrealm = x\naddress = ::1\n", 5,
	  "duplicate listener name 'a' (first on line 1)" },
	{ "[listener a]\naddress = 127.0.0.1\n[listener b]\n", 1,
	  "listener 'a' has no realm" },
	{ "[listener a]\nrealm = external\n", 1,
	  "listener 'a' has no address" },
	{ "[general]\nlog_level = info\n", 0, "no listener" },
	{ "", 0, "no listener" },
	{ LISTENER_A "transport = tls\n", 1,
	  "listener 'a' uses tls and needs tls_cert and tls_key" },
	{ LISTENER_A "transport = tls\ntls_cert = c.pem\n", 1,
	  "needs tls_cert and tls_key" },
	{ LISTENER_A "tls_cert = c.pem\n", 1,
	  "listener 'a' has tls_ keys but transport udp" },
	{ LISTENER_A "transport = tls\ntls_cert = c\ntls_key = k\n"
		     "tls_verify_client = yes\n", 1,
	  "tls_verify_client needs tls_ca" },
	{ LISTENER_A "transport = tls\ntls_verify_client = maybe\n", 5,
	  "bad tls_verify_client 'maybe' (expected yes or no)" },
	{ LISTENER_A "tls_key =\n", 4, "empty tls_key path" },
	{ "[sip]\nt1 = 5\n" LISTENER_A, 2,
	  "bad t1 '5' (expected a number from 10 to 60000)" },
	{ "[sip]\nt1 = 1000\nt2 = 500\n" LISTENER_A, 1,
	  "[sip] t2 (500 ms) is below t1 (1000 ms)" },
	{ "[sip x]\n" LISTENER_A, 1, "[sip] takes no name" },
	{ "[sip]\nt3 = 1\n" LISTENER_A, 2,
	  "unknown key 't3' in [sip] (expected t1, t2, t4 or timer_c)" },
	{ "[transport]\nmax_connections = 0\n" LISTENER_A, 2,
	  "bad max_connections '0'" },
	{ "[transport]\nidle_timeout = 1h\n" LISTENER_A, 2,
	  "bad idle_timeout '1h'" },
	{ LISTENER_A "[route r]\nfrom_realm = external\n", 4,
	  "[route] sections are no longer read: trunks and routes live in "
	  "the database" },
	{ LISTENER_A "[general]\nstatus_socket_mode = 0800\n", 5,
	  "bad status_socket_mode '0800' (expected an octal mode" },
	{ LISTENER_A "[general]\nstatus_socket_mode = rw\n", 5,
	  "bad status_socket_mode 'rw'" },
	{ LISTENER_A "[realm external]\n[realm external]\n", 5,
	  "duplicate realm name 'external' (first on line 4)" },
	{ LISTENER_A "[realm other]\nstrip = Server\n", 4,
	  "[realm other]: no listener serves it" },
	{ "[general]\nno_route_status = 500\n" LISTENER_A, 2,
	  "bad no_route_status '500' (expected a number from 403 to 404)" },
	{ "[transport]\n[transport]\n" LISTENER_A, 2,
	  "duplicate section [transport] (first on line 1)" },
	{ LISTENER_A "transport = sctp\n", 4, "unknown transport 'sctp'" },
	{ LISTENER_A "transport = UDP\n", 4, "unknown transport 'UDP'" },
	{ "[listener a]\nrealm = e\naddress = localhost\n", 3,
	  "bad address 'localhost'" },
	{ "[listener a]\nrealm = e\naddress = 127.0.0.256\n", 3,
	  "bad address '127.0.0.256'" },
	{ "[listener a]\nrealm = e\naddress = [::1\n", 3,
	  "bad address '[::1'" },
	{ "[globals]\n" LISTENER_A, 1, "unknown section [globals]" },
	{ "realm = external\n" LISTENER_A, 1,
	  "key 'realm' outside of any section" },
	{ LISTENER_A "realm = internal\n", 4, "duplicate key 'realm'" },
	{ "[general]\nlog_level = verbose\n" LISTENER_A, 2,
	  "bad log_level 'verbose'" },
	{ "[general]\n[general]\n" LISTENER_A, 2,
	  "duplicate section [general] (first on line 1)" },
	{ "[general] x\n" LISTENER_A, 1, "text after section header" },
	{ "[general x]\n" LISTENER_A, 1, "[general] takes no name" },
	{ "[general]\nlog_level info\n" LISTENER_A, 2,
	  "expected 'key = value'" },
	{ "[general\n" LISTENER_A, 1, "section header without ']'" },
	{ "[listener]\nrealm = e\n", 1, "[listener] needs a name" },
	{ "[listener a/b]\nrealm = e\n", 1, "bad listener name 'a/b'" },
	{ "[listener a]\nrealm = ext ernal\naddress = ::1\n", 2,
	  "bad realm 'ext ernal'" },
	{ LISTENER_A "= 5\n", 4, "missing key before '='" },
	{ "[general]\ndatabase =\n" LISTENER_A, 2, "empty database path" },
	{ LISTENER_A "[listener b]\nrealm = internal\n"
		     "address = 127.0.0.1\nport = 5060\n",
	  4, "listener 'b' uses udp 127.0.0.1:5060, like listener 'a' "
	     "(line 1)" },
};

/* TCP and TLS listeners, and the [sip] and [transport] sections. */
START_TEST(test_streams_and_timers)
{
	static const char text[] =
		"[sip]\n"
		"t1 = 100\n"
		"t2 = 2000\n"
		"timer_c = 90\n"
		"[transport]\n"
		"idle_timeout = 30\n"
		"max_connections = 10\n"
		"max_header_size = 4096\n"
		"[listener t]\n"
		"realm = external\n"
		"transport = tcp\n"
		"address = 127.0.0.1\n"
		"[listener s]\n"
		"realm = external\n"
		"transport = tls\n"
		"address = 127.0.0.1\n"
		"tls_cert = /etc/sbc/cert.pem\n"
		"tls_key = /etc/sbc/key.pem\n"
		"tls_ca = /etc/sbc/ca.pem\n"
		"tls_verify_client = on\n";
	struct config c;
	char err[256], *path;

	ck_assert_msg(load(&c, text, &path, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(c.sip.t1, 100);
	ck_assert_uint_eq(c.sip.t2, 2000);
	ck_assert_uint_eq(c.sip.t4, 5000);	/* RFC 3261 default */
	ck_assert_uint_eq(c.sip.timer_c_ms, 90000);
	ck_assert_uint_eq(c.transport.idle_ms, 30000);
	ck_assert_uint_eq(c.transport.max_conns, 10);
	ck_assert_uint_eq(c.transport.frame.max_hdr, 4096);
	ck_assert_uint_eq(c.transport.connect_ms, 5000);	/* default */
	ck_assert_uint_eq(c.n_listeners, 2);
	ck_assert_int_eq(c.listeners[0].transport, CONFIG_TP_TCP);
	ck_assert_uint_eq(c.listeners[0].port, 5060);
	ck_assert_int_eq(c.listeners[1].transport, CONFIG_TP_TLS);
	ck_assert_uint_eq(c.listeners[1].port, 5061);
	ck_assert_str_eq(c.listeners[1].tls_cert, "/etc/sbc/cert.pem");
	ck_assert_str_eq(c.listeners[1].tls_key, "/etc/sbc/key.pem");
	ck_assert_str_eq(c.listeners[1].tls_ca, "/etc/sbc/ca.pem");
	ck_assert_int_eq(c.listeners[1].tls_verify_client, 1);
	config_free(&c);
	unlink(path);
	free(path);
}
END_TEST

/* General keys and realm policies. */
START_TEST(test_routes)
{
	static const char text[] =
		"[general]\n"
		"no_route_status = 403\n"
		"max_call_duration = 3600\n"
		"status_socket = /run/sbc/status\n"
		"status_socket_mode = 0660\n"
		"[listener e]\nrealm = external\naddress = 127.0.0.1\n"
		"[listener i]\nrealm = internal\naddress = 127.0.0.2\n"
		"[realm external]\n"
		"[realm internal]\n"
		"strip = Server\n";
	struct config c;
	char err[256], *path;

	ck_assert_msg(load(&c, text, &path, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(c.no_route_status, 403);
	ck_assert_uint_eq(c.max_call_s, 3600);
	ck_assert_str_eq(c.status_socket, "/run/sbc/status");
	ck_assert_uint_eq(c.status_socket_mode, 0660);
	ck_assert_uint_eq(c.n_realms, 2);
	ck_assert_str_eq(c.realms[1].name, "internal");
	ck_assert_str_eq(c.realms[1].strip, "Server");
	ck_assert_uint_eq(c.realms[1].line, 13);
	ck_assert_ptr_null(c.realms[0].strip);
	config_free(&c);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_errors)
{
	const struct bad_case *bc = &bad_cases[_i];
	struct config c;
	char err[256], *path, prefix[128];
	int rc;

	rc = load(&c, bc->text, &path, err, sizeof(err));
	ck_assert_msg(rc == -EINVAL, "case %d: rc %d, err '%s'", _i, rc, err);
	if (bc->line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", path, bc->line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
		      "case %d: '%s' does not start with '%s'", _i, err,
		      prefix);
	ck_assert_msg(strstr(err, bc->msg) != NULL,
		      "case %d: '%s' does not say '%s'", _i, err, bc->msg);
	/* Nothing is left allocated on failure. */
	ck_assert_ptr_null(c.database);
	ck_assert_ptr_null(c.listeners);
	ck_assert_uint_eq(c.n_listeners, 0);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_missing_file)
{
	struct config c;
	char err[256];

	ck_assert_int_eq(config_load(&c, "/nonexistent/sbc.conf", err,
				     sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/sbc.conf: cannot open: "
			      "No such file or directory");
}
END_TEST

START_TEST(test_small_err_buffer)
{
	struct config c;
	char err[8];

	/* The message is cut, never overrun. */
	ck_assert_int_eq(config_parse(&c, "a-rather-long-name.conf", "", 0,
				      err, sizeof(err)),
			 -EINVAL);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert_int_eq(config_parse(&c, "x", "", 0, NULL, 0), -EINVAL);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_sample_file);
	tcase_add_test(tc, test_defaults_and_syntax);
	tcase_add_test(tc, test_general);
	tcase_add_test(tc, test_streams_and_timers);
	tcase_add_test(tc, test_routes);
	tcase_add_loop_test(tc, test_errors, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_small_err_buffer);
	suite_add_tcase(s, tc);
	return s;
}
