/*
 * tp: the transport set (layer 2, RFC 3261 18).
 *
 * This file holds what does not depend on the transport: listeners by
 * realm, the connection table, the send dispatch, statistics and the
 * shutdown.  Everything else goes through struct tp_ops.
 *
 * libuv error codes are negative errno values on every platform sbc
 * runs on, so they are returned as they are.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbc/log.h"
#include "tp_int.h"

static const char *const proto_names[TP_PROTO_COUNT] = {
	[TP_UDP] = "UDP",
	[TP_TCP] = "TCP",
	[TP_TLS] = "TLS",
};

static const struct tp_ops *const proto_ops[TP_PROTO_COUNT] = {
	[TP_UDP] = &tp_udp_ops,
	[TP_TCP] = &tp_tcp_ops,
	[TP_TLS] = &tp_tls_ops,
};

const char *tp_proto_name(enum tp_proto p)
{
	return (unsigned)p < TP_PROTO_COUNT ? proto_names[p] : "?";
}

int tp_proto_parse(const char *s, size_t len, enum tp_proto *p)
{
	for (unsigned i = 0; i < TP_PROTO_COUNT; i++) {
		if (len == 3 && strncasecmp(s, proto_names[i], 3) == 0) {
			*p = (enum tp_proto)i;
			return 0;
		}
	}
	return -EINVAL;
}

uint16_t tp_proto_default_port(enum tp_proto p)
{
	/* RFC 3261 19.1.2: 5060 for UDP and TCP, 5061 for TLS. */
	return p == TP_TLS ? 5061 : 5060;
}

void tp_cfg_default(struct tp_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->idle_ms = 120000;
	c->connect_ms = 5000;
	c->max_conns = 4096;
	c->max_conn_buf = 256 * 1024;
	c->frame.max_hdr = SIP_FRAME_DEFAULT_MAX_HDR;
	c->frame.max_body = SIP_FRAME_DEFAULT_MAX_BODY;
}

int tp_new(uv_loop_t *loop, const struct tp_cfg *cfg, tp_recv_cb *rcb,
	   tp_error_cb *ecb, void *arg, struct tp **out)
{
	struct tp *tp;

	*out = NULL;
	if (!loop || !rcb)
		return -EINVAL;
	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	if (cfg)
		tp->cfg = *cfg;
	else
		tp_cfg_default(&tp->cfg);
	/* A zero framing limit would refuse every message: take the
	   defaults instead. */
	if (!tp->cfg.frame.max_hdr)
		tp->cfg.frame.max_hdr = SIP_FRAME_DEFAULT_MAX_HDR;
	if (!tp->cfg.frame.max_body)
		tp->cfg.frame.max_body = SIP_FRAME_DEFAULT_MAX_BODY;
	if (!tp->cfg.max_conn_buf)
		tp->cfg.max_conn_buf = 256 * 1024;
	if (hash_init(&tp->table, 64) < 0) {
		free(tp);
		return -ENOMEM;
	}
	/*
	 * A write to a stream the peer has reset raises SIGPIPE, whose
	 * default action ends the process; libuv writes with write(2), so
	 * only ignoring the signal makes that an EPIPE from the write.  A
	 * handler the program installed is left alone.
	 */
	{
		struct sigaction sa;

		if (sigaction(SIGPIPE, NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_DFL)
			signal(SIGPIPE, SIG_IGN);
	}
	tp->loop = loop;
	tp->rcb = rcb;
	tp->ecb = ecb;
	tp->arg = arg;
	*out = tp;
	return 0;
}

static void tp_free(struct tp *tp)
{
	hash_free(&tp->table);
	free(tp->udp_rbuf);
	free(tp);
}

void tp_handle_closed(struct tp *tp)
{
	tp->handles--;
	if (tp->closing && tp->handles == 0)
		tp_free(tp);
}

static void tp_lsn_free(struct tp_lsn *l)
{
	free(l->name);
	free(l->realm);
	free(l);
}

void tp_lsn_close_cb(uv_handle_t *h)
{
	struct tp_lsn *l = h->data;
	struct tp *tp = l->tp;

	tp_lsn_free(l);
	tp_handle_closed(tp);
}

static struct tp_lsn *tp_lsn_by_name(struct tp *tp, const char *name)
{
	for (struct tp_lsn *l = tp->lsns; l; l = l->next)
		if (strcmp(l->name, name) == 0)
			return l;
	return NULL;
}

int tp_listen(struct tp *tp, const struct tp_lsn_cfg *c, struct tp_lsn **out,
	      char *err, size_t errlen)
{
	struct tp_lsn *l;
	int rc;

	*out = NULL;
	if (!err)
		errlen = 0;
	if (errlen)
		err[0] = '\0';
	if (tp->closing)
		return -ESHUTDOWN;
	if (!c->name || !c->realm || (unsigned)c->proto >= TP_PROTO_COUNT) {
		snprintf(err, errlen, "a listener needs a name, a realm and "
				      "a transport");
		return -EINVAL;
	}
	if (c->addr.ss_family != AF_INET && c->addr.ss_family != AF_INET6) {
		snprintf(err, errlen, "listener %s: no IPv4 or IPv6 address",
			 c->name);
		return -EAFNOSUPPORT;
	}
	if (tp_lsn_by_name(tp, c->name)) {
		snprintf(err, errlen, "listener name %s is taken", c->name);
		return -EEXIST;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->tp = tp;
	l->ops = proto_ops[c->proto];
	l->proto = c->proto;
	l->addr = c->addr;
	l->name = strdup(c->name);
	l->realm = strdup(c->realm);
	if (!l->name || !l->realm) {
		tp_lsn_free(l);
		return -ENOMEM;
	}
	rc = l->ops->lsn_open(l, c, err, errlen);
	if (rc < 0) {
		if (errlen && !err[0])
			snprintf(err, errlen, "listener %s: %s", c->name,
				 uv_strerror(rc));
		if (l->handle_init) {
			/* An initialised handle is freed only through
			   uv_close; the callback frees the listener. */
			tp->handles++;
			l->ops->lsn_close(l);
		} else {
			tp_lsn_free(l);
		}
		return rc;
	}
	tp->handles++;
	l->next = tp->lsns;
	tp->lsns = l;
	*out = l;
	return 0;
}

int tp_lsn_addr(const struct tp_lsn *l, struct sockaddr_storage *ss)
{
	*ss = l->addr;
	return 0;
}

const char *tp_lsn_name(const struct tp_lsn *l)
{
	return l->name;
}

const char *tp_lsn_realm(const struct tp_lsn *l)
{
	return l->realm;
}

enum tp_proto tp_lsn_proto(const struct tp_lsn *l)
{
	return l->proto;
}

static struct tp_lsn *tp_lsn_find(struct tp *tp, const char *realm,
				  enum tp_proto proto, int family)
{
	/* Listeners are prepended: walk to the first one configured. */
	struct tp_lsn *found = NULL;

	for (struct tp_lsn *l = tp->lsns; l; l = l->next)
		if (l->proto == proto && l->addr.ss_family == family &&
		    strcmp(l->realm, realm) == 0)
			found = l;
	return found;
}

struct tp_lsn *tp_lsn_for(struct tp *tp, const struct tp_dest *d)
{
	const char *realm = d->realm;

	/*
	 * RFC 3581 4: a response leaves from where its request came in.
	 * When that listener has another transport (a response too large
	 * for UDP goes over TCP, RFC 3261 18.2.2), its realm decides.
	 */
	if (d->lsn && d->lsn->tp == tp) {
		if (d->lsn->proto == d->proto &&
		    d->lsn->addr.ss_family == d->addr.sa.sa_family)
			return d->lsn;
		realm = d->lsn->realm;
	}
	if (!realm)
		return NULL;
	return tp_lsn_find(tp, realm, d->proto, d->addr.sa.sa_family);
}

int tp_send(struct tp *tp, const struct tp_dest *d, const void *p,
	    size_t len)
{
	struct tp_lsn *l;
	int rc;

	if (tp->closing)
		return -ESHUTDOWN;
	if ((unsigned)d->proto >= TP_PROTO_COUNT)
		return -EINVAL;
	/* RFC 3261 18.2.2: a response goes back over the request's
	   connection while it is open. */
	if (d->conn && d->conn->tp == tp && d->conn->state < TP_CONN_CLOSING) {
		rc = tp_conn_send(d->conn, p, len);
		l = NULL;
	} else {
		l = tp_lsn_for(tp, d);
		rc = l ? l->ops->send(l, d, p, len) : -ENOENT;
	}
	if (rc < 0) {
		tp->st.send_errors++;
		return rc;
	}
	tp->st.msgs_out[d->proto]++;
	tp->st.bytes_out[d->proto] += len;
	if (tp->scb)
		tp->scb(tp->sarg, d, p, len);
	return 0;
}

void tp_set_sent_cb(struct tp *tp, tp_sent_cb *cb, void *arg)
{
	tp->scb = cb;
	tp->sarg = arg;
}

void tp_deliver(struct tp *tp, const struct tp_src *src, const char *p,
		size_t len)
{
	tp->st.msgs_in[src->proto]++;
	tp->st.bytes_in[src->proto] += len;
	tp->rcb(tp, src, p, len, tp->arg);
}

socklen_t tp_addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

int tp_addr_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a;
		const struct sockaddr_in *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       x->sin6_scope_id == y->sin6_scope_id &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return 0;
}

/*
 * The key of a connection: realm, transport, remote address and, for
 * TLS, the server name asked for.  The address part is hashed from a
 * packed copy so that padding in the sockaddr does not count.
 */
static uint64_t tp_conn_hash(const char *realm, enum tp_proto proto,
			     const struct sockaddr *sa, const char *name)
{
	uint8_t k[1 + 2 + 2 + 16 + 4];
	size_t n = 0;
	uint64_t h;

	k[n++] = (uint8_t)proto;
	memcpy(k + n, &sa->sa_family, 2);
	n += 2;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;

		memcpy(k + n, &a->sin6_port, 2);
		memcpy(k + n + 2, &a->sin6_addr, 16);
		memcpy(k + n + 18, &a->sin6_scope_id, 4);
		n += 22;
	} else {
		const struct sockaddr_in *a = (const void *)sa;

		memcpy(k + n, &a->sin_port, 2);
		memcpy(k + n + 2, &a->sin_addr, 4);
		n += 6;
	}
	h = hash_bytes(k, n);
	h = hash_mix(h, realm, strlen(realm));
	if (name)
		h = hash_mix(h, name, strlen(name));
	return h;
}

static int tp_name_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcasecmp(a, b) == 0;
}

int tp_conn_table_add(struct tp *tp, struct tp_conn *c)
{
	hash_insert(&tp->table, &c->node,
		    tp_conn_hash(c->lsn->realm, c->proto,
				 (const struct sockaddr *)&c->peer, c->name));
	c->in_table = 1;
	return 0;
}

void tp_conn_table_del(struct tp_conn *c)
{
	if (!c->in_table)
		return;
	hash_remove(&c->tp->table, &c->node);
	c->in_table = 0;
}

struct tp_conn *tp_conn_find(struct tp *tp, const char *realm,
			     enum tp_proto proto, const struct sockaddr *sa,
			     const char *name, int verified)
{
	uint64_t h = tp_conn_hash(realm, proto, sa, name);

	for (struct hash_node *n = hash_first(&tp->table, h); n;
	     n = hash_next(n)) {
		struct tp_conn *c = hash_entry(n, struct tp_conn, node);

		if (c->proto == proto && c->state < TP_CONN_CLOSING &&
		    tp_addr_eq((const struct sockaddr *)&c->peer, sa) &&
		    tp_name_eq(c->name, name) &&
		    strcmp(c->lsn->realm, realm) == 0 &&
		    (!verified || (c->outgoing && c->verify)))
			return c;
	}
	return NULL;
}

void tp_conn_ref(struct tp_conn *c)
{
	c->refs++;
}

void tp_conn_unref(struct tp_conn *c)
{
	if (!c || --c->refs > 0)
		return;
	/* The table holds a reference until the handles are closed, so
	   only a closed connection gets here. */
	free(c->name);
	free(c->sni);
	free(c);
}

int tp_conn_open(const struct tp_conn *c)
{
	return c && c->state < TP_CONN_CLOSING;
}

const char *tp_conn_server_name(const struct tp_conn *c)
{
	if (!c || c->proto != TP_TLS)
		return NULL;
	return c->outgoing ? c->name : c->sni;
}

void tp_stats_get(const struct tp *tp, struct tp_stats *s)
{
	*s = tp->st;
}

void tp_close(struct tp *tp)
{
	struct tp_lsn *l;

	if (!tp || tp->closing)
		return;
	tp->closing = 1;
	while (tp->conns)
		tp_conn_close(tp->conns, 0, 0);
	while ((l = tp->lsns)) {
		tp->lsns = l->next;
		l->ops->lsn_close(l);
	}
	tp_udp_close(tp);
	if (tp->handles == 0)
		tp_free(tp);
}

int tp_addr_ip(const struct sockaddr *sa, char *ip, size_t n,
	       uint16_t *port)
{
	*port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)sa;

		*port = ntohs(a->sin_port);
		inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)n);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;

		*port = ntohs(a->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			inet_ntop(AF_INET, a->sin6_addr.s6_addr + 12, ip,
				  (socklen_t)n);
			return AF_INET;
		}
		inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)n);
		return AF_INET6;
	}
	if (n)
		ip[0] = '\0';
	return 0;
}

int tp_addr_parse(const char *s, uint16_t dflt_port,
		  struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	const char *host = s, *port = NULL, *colon = strrchr(s, ':');
	char tmp[INET6_ADDRSTRLEN];
	size_t len = strlen(s);
	unsigned long p = dflt_port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *e = strchr(s, ']');

		if (!e || (e[1] && e[1] != ':'))
			return -EINVAL;
		host = s + 1;
		len = (size_t)(e - host);
		port = e[1] ? e + 2 : NULL;
	} else if (colon && colon == strchr(s, ':')) {
		/* One colon: IPv4 and a port; more: a bare IPv6 literal. */
		len = (size_t)(colon - s);
		port = colon + 1;
	}
	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, host, len);
	tmp[len] = '\0';
	if (port) {
		char *end;

		p = strtoul(port, &end, 10);
		if (!*port || *end || p > 65535)
			return -EINVAL;
	}
	if (s[0] != '[' && inet_pton(AF_INET, tmp, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		return 0;
	}
	return -EINVAL;
}

const char *tp_addr_fmt(const struct sockaddr *sa, char *dst, size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	uint16_t port;

	switch (tp_addr_ip(sa, ip, sizeof(ip), &port)) {
	case AF_INET:
		snprintf(dst, n, "%s:%u", ip, port);
		break;
	case AF_INET6:
		snprintf(dst, n, "[%s]:%u", ip, port);
		break;
	default:
		snprintf(dst, n, "?");
	}
	return dst;
}
