/*
 * What the transport tests share: one loop with a guard timer, up to
 * three transport sets that record what they hear, raw sockets, and
 * the messages they send.  check_tp.c holds the helpers and the UDP and
 * TCP tests, check_tp_tls.c the TLS tests.
 */
#ifndef SBC_CHECK_TP_H
#define SBC_CHECK_TP_H

#include <sys/socket.h>

#include <uv.h>

#include "check_main.h"
#include "sbc/tp.h"

#define MAXREC 16

/* One transport set and what it heard. */
struct side {
	struct tp *tp;
	int n;
	char msg[MAXREC][1024];
	size_t len[MAXREC];
	struct tp_src src[MAXREC];	/* src.conn is referenced */
	char sni[MAXREC][64];
	int nerr;
	int err[MAXREC];
	struct tp_dest edest[MAXREC];
	char erealm[MAXREC][16];
	char ename[MAXREC][64];		/* edest's strings are copied */
};

extern uv_loop_t loop;
extern int expired;
extern struct side sides[3];
extern int raw_fds[4];

static const char msg1[] =
	"OPTIONS sip:a@127.0.0.2 SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK1\r\n"
	"Max-Forwards: 70\r\n"
	"To: <sip:a@127.0.0.2>\r\n"
	"From: <sip:b@127.0.0.1>;tag=1\r\n"
	"Call-ID: 1@x\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n\r\n";
static const char msg2[] =
	"MESSAGE sip:a@127.0.0.2 SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK2\r\n"
	"Max-Forwards: 70\r\n"
	"To: <sip:a@127.0.0.2>\r\n"
	"From: <sip:b@127.0.0.1>;tag=2\r\n"
	"Call-ID: 2@x\r\n"
	"CSeq: 1 MESSAGE\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 8\r\n\r\n"
	"\r\n\r\nhi\r\n";

#define RUN_UNTIL(cond, ms)                                            \
	do {                                                           \
		guard_start(ms);                                       \
		while (!(cond) && !expired)                            \
			uv_run(&loop, UV_RUN_ONCE);                    \
		guard_stop();                                          \
	} while (0)

void guard_start(unsigned ms);
void guard_stop(void);
void setup(void);
void teardown(void);
struct sockaddr_storage ip_addr(const char *ip, int port);
union tp_sockaddr ip_sa(const char *ip, int port);
int has_ipv6(void);
struct tp *side_new(int i, const struct tp_cfg *cfg);
struct tp_lsn *lsn_tls(int i, const char *name, const char *realm,
		       enum tp_proto proto, const char *ip,
		       const struct tp_tls_cfg *tls);
struct tp_lsn *lsn(int i, const char *name, const char *realm,
		   enum tp_proto proto, const char *ip);
struct tp_dest dest_to(enum tp_proto proto, const struct tp_lsn *to,
		       const char *realm);
/* The port and the address of a struct sockaddr of either family. */
int port_of(const void *addr);
int same_ip(const void *addr, const char *ip);
struct tp_stats stats(int i);
int raw_connect(const struct tp_lsn *l);
void raw_write(int fd, const char *p, size_t n);
ssize_t raw_read(int fd, char *p, size_t n, int ms);

TCase *check_tp_tls_tcase(void);

#endif
