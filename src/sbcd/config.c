/*
 * config: reading the bootstrap configuration file (layer 7).
 *
 * The parser walks the text line by line, keeps the section it is in,
 * checks every key as it meets it and checks a listener as a whole when
 * its section ends.  The first error stops it; the message names the
 * file, the line and what is wrong, because an operator reads it on a
 * console while the daemon refuses to start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/auth.h"
#include "sbc/config.h"
#include "sbc/core.h"
#include "sbc/sip_msg.h"
#include "sbc/str.h"

enum section {
	SECTION_NONE = 0,
	SECTION_GENERAL,
	SECTION_SIP,
	SECTION_TRANSPORT,
	SECTION_DNS,
	SECTION_LISTENER,
	SECTION_REALM,
	SECTION_LIMITS,
	SECTION_MEDIA,
	SECTION_RTPENGINE,
	SECTION_COUNT
};

static const char *const section_names[] = {
	[SECTION_GENERAL] = "general",
	[SECTION_SIP] = "sip",
	[SECTION_TRANSPORT] = "transport",
	[SECTION_DNS] = "dns",
	[SECTION_LISTENER] = "listener",
	[SECTION_REALM] = "realm",
	[SECTION_LIMITS] = "limits",
	[SECTION_MEDIA] = "media",
	[SECTION_RTPENGINE] = "rtpengine",
};

/* Sections that take a name hold an array of structs in struct config,
 * each starting with the name and the line (see config.h). */
static int section_named(enum section s)
{
	return s == SECTION_LISTENER || s == SECTION_REALM ||
	       s == SECTION_RTPENGINE;
}

enum key_type {
	KEY_UINT,	/* an unsigned number within [min, max] */
	KEY_PATH,	/* a non-empty string, malloc'd */
	KEY_BOOL,	/* yes/no, true/false, on/off, 1/0 */
	KEY_LEVEL,	/* a log level */
	KEY_NAME,	/* a realm name */
	KEY_TRANSPORT,
	KEY_ADDRESS,
	KEY_PORT,
	KEY_STRING,	/* any non-empty text, malloc'd */
	KEY_FAMILY,	/* ipv4 or ipv6: 1 for ipv4 */
	KEY_MODE,	/* file permissions in octal, 0 to 0777 */
	KEY_TLSVER,	/* 1.2 or 1.3, stored as 12 or 13 */
	KEY_ACTION,	/* allow, reject or drop (enum config_action);
			   min holds the bits of those allowed */
	KEY_MEDIA,	/* always, never or nat (enum core_media) */
	KEY_ONFAIL,	/* refuse or continue: 1 for continue */
	KEY_FLAGS,	/* media_flags: names core_media_flag_ok knows */
};

/*
 * Every key the file may hold.  off is the field's offset in struct
 * config, or in struct config_listener for [listener] keys; scale turns
 * the unit written in the file into the unit stored (seconds into ms).
 */
struct key {
	enum section section;
	const char *name;
	enum key_type type;
	size_t off;
	unsigned size;		/* of an unsigned field: 4 or 8 */
	uint64_t min, max;
	unsigned scale;
};

#define CFG(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define LSN(f) offsetof(struct config_listener, f), \
	sizeof(((struct config_listener *)0)->f)

#define RLM(f) offsetof(struct config_realm, f), \
	sizeof(((struct config_realm *)0)->f)
#define ACTS(a) (1u << CONFIG_ACT_##a)
#define RTPE(f) offsetof(struct config_rtpengine, f), \
	sizeof(((struct config_rtpengine *)0)->f)

static const char *const media_names[] = {
	[CORE_MEDIA_ALWAYS] = "always",
	[CORE_MEDIA_NEVER] = "never",
	[CORE_MEDIA_NAT] = "nat",
};

static const char *const action_names[] = {
	[CONFIG_ACT_ALLOW] = "allow",
	[CONFIG_ACT_REJECT] = "reject",
	[CONFIG_ACT_DROP] = "drop",
};

static const struct key keys[] = {
	{ SECTION_GENERAL, "log_level", KEY_LEVEL, CFG(log_level), 0, 0, 0 },
	{ SECTION_GENERAL, "database", KEY_PATH, CFG(database), 0, 0, 0 },
	{ SECTION_GENERAL, "status_socket", KEY_PATH, CFG(status_socket), 0, 0,
	  0 },
	{ SECTION_GENERAL, "status_socket_mode", KEY_MODE,
	  CFG(status_socket_mode), 0, 0, 0 },
	/* The answer to an out-of-dialog request no route takes. */
	{ SECTION_GENERAL, "no_route_status", KEY_UINT, CFG(no_route_status),
	  403, 404, 1 },
	{ SECTION_GENERAL, "max_call_duration", KEY_UINT, CFG(max_call_s), 0,
	  7 * 86400, 1 },
	/* RFC 3261 17.1.1.1: T1 500 ms, T2 4 s, T4 5 s by default. */
	{ SECTION_SIP, "t1", KEY_UINT, CFG(sip.t1), 10, 60000, 1 },
	{ SECTION_SIP, "t2", KEY_UINT, CFG(sip.t2), 10, 600000, 1 },
	{ SECTION_SIP, "t4", KEY_UINT, CFG(sip.t4), 10, 600000, 1 },
	/* RFC 3261 16.6 step 11: Timer C is over 3 minutes; in seconds. */
	{ SECTION_SIP, "timer_c", KEY_UINT, CFG(sip.timer_c_ms), 1, 86400, 1000 },
	{ SECTION_TRANSPORT, "idle_timeout", KEY_UINT, CFG(transport.idle_ms),
	  1, 86400, 1000 },
	{ SECTION_TRANSPORT, "connect_timeout", KEY_UINT,
	  CFG(transport.connect_ms), 10, 600000, 1 },
	{ SECTION_TRANSPORT, "max_connections", KEY_UINT,
	  CFG(transport.max_conns), 1, 1000000, 1 },
	{ SECTION_TRANSPORT, "max_connection_buffer", KEY_UINT,
	  CFG(transport.max_conn_buf), 4096, 64 << 20, 1 },
	{ SECTION_TRANSPORT, "max_header_size", KEY_UINT,
	  CFG(transport.frame.max_hdr), 1024, 1 << 20, 1 },
	{ SECTION_TRANSPORT, "max_body_size", KEY_UINT,
	  CFG(transport.frame.max_body), 0, 16 << 20, 1 },
	{ SECTION_DNS, "servers", KEY_STRING, CFG(dns_servers), 0, 0, 0 },
	/* RFC 3263 4.3: how long a target that failed is tried last. */
	{ SECTION_DNS, "avoid", KEY_UINT, CFG(dns_avoid_s), 0, 86400, 1 },
	{ SECTION_DNS, "prefer", KEY_FAMILY, CFG(dns_prefer_v4), 0, 0, 0 },
	{ SECTION_LISTENER, "realm", KEY_NAME, LSN(realm), 0, 0, 0 },
	{ SECTION_LISTENER, "transport", KEY_TRANSPORT, LSN(transport), 0, 0, 0 },
	{ SECTION_LISTENER, "address", KEY_ADDRESS, LSN(address), 0, 0, 0 },
	{ SECTION_LISTENER, "port", KEY_PORT, LSN(port), 0, 0, 0 },
	{ SECTION_LISTENER, "tls_cert", KEY_PATH, LSN(tls_cert), 0, 0, 0 },
	{ SECTION_LISTENER, "tls_key", KEY_PATH, LSN(tls_key), 0, 0, 0 },
	{ SECTION_LISTENER, "tls_ca", KEY_PATH, LSN(tls_ca), 0, 0, 0 },
	{ SECTION_LISTENER, "tls_verify_client", KEY_BOOL,
	  LSN(tls_verify_client), 0, 0, 0 },
	{ SECTION_LISTENER, "tls_ciphers", KEY_STRING, LSN(tls_ciphers), 0, 0,
	  0 },
	{ SECTION_LISTENER, "tls_ciphersuites", KEY_STRING,
	  LSN(tls_ciphersuites), 0, 0, 0 },
	/* RFC 8996: 1.2 at least; "1.2" is 12, "1.3" is 13. */
	{ SECTION_LISTENER, "tls_min_version", KEY_TLSVER,
	  LSN(tls_min_version), 0, 0, 0 },
	{ SECTION_REALM, "strip", KEY_STRING, RLM(strip), 0, 0, 0 },
	{ SECTION_REALM, "media", KEY_MEDIA, RLM(media), 0, 0, 0 },
	{ SECTION_REALM, "media_flags", KEY_FLAGS, RLM(media_flags), 0, 0, 0 },
	{ SECTION_REALM, "media_interface", KEY_STRING, RLM(media_interface),
	  0, 0, 0 },
	{ SECTION_MEDIA, "timeout", KEY_UINT, CFG(media_timeout_ms), 10, 10000,
	  1 },
	{ SECTION_MEDIA, "tries", KEY_UINT, CFG(media_tries), 1, 10, 1 },
	{ SECTION_MEDIA, "ping_interval", KEY_UINT, CFG(media_ping_ms), 1,
	  3600, 1000 },
	{ SECTION_MEDIA, "on_failure", KEY_ONFAIL, CFG(media_continue), 0, 0,
	  0 },
	{ SECTION_MEDIA, "failure_status", KEY_UINT, CFG(media_fail_status),
	  400, 699, 1 },
	{ SECTION_RTPENGINE, "address", KEY_STRING, RTPE(address), 0, 0, 0 },
	{ SECTION_RTPENGINE, "port", KEY_PORT, RTPE(port), 0, 0, 0 },
	/* RFC 3261 22: digest authentication of the realm's requests. */
	{ SECTION_REALM, "auth", KEY_BOOL, RLM(auth), 0, 0, 0 },
	{ SECTION_REALM, "auth_realm", KEY_STRING, RLM(auth_realm), 0, 0, 0 },
	{ SECTION_REALM, "auth_nonce_lifetime", KEY_UINT, RLM(auth_nonce_s), 1,
	  86400, 1 },
	{ SECTION_REALM, "auth_algorithms", KEY_STRING, RLM(auth_algorithms), 0,
	  0, 0 },
	/* Access control and limits (issue 7). */
	{ SECTION_REALM, "unknown_source", KEY_ACTION, RLM(unknown_source),
	  ACTS(ALLOW) | ACTS(REJECT) | ACTS(DROP), 0, 0 },
	{ SECTION_REALM, "deny_action", KEY_ACTION, RLM(deny_action),
	  ACTS(REJECT) | ACTS(DROP), 0, 0 },
	{ SECTION_LIMITS, "source_rate", KEY_UINT, CFG(limits.source_rate), 0,
	  1000000, 1 },
	{ SECTION_LIMITS, "source_burst", KEY_UINT, CFG(limits.source_burst),
	  0, 1000000, 1 },
	{ SECTION_LIMITS, "ban_time", KEY_UINT, CFG(limits.ban_ms), 1, 86400,
	  1000 },
	{ SECTION_LIMITS, "ban_action", KEY_ACTION, CFG(limits.ban_action),
	  ACTS(REJECT) | ACTS(DROP), 0, 0 },
	{ SECTION_LIMITS, "max_sources", KEY_UINT, CFG(limits.max_sources),
	  16, 10000000, 1 },
	{ SECTION_LIMITS, "max_calls", KEY_UINT, CFG(limits.max_calls), 0,
	  10000000, 1 },
	{ SECTION_LIMITS, "max_cps", KEY_UINT, CFG(limits.max_cps), 0, 1000000,
	  1 },
	/* RFC 3261 21.5.4 (503), 21.4.18 (480), 21.6.2 (603) and so on. */
	{ SECTION_LIMITS, "limit_status", KEY_UINT, CFG(limits.limit_status),
	  400, 699, 1 },
	{ SECTION_LIMITS, "limit_retry_after", KEY_UINT,
	  CFG(limits.limit_retry_after), 0, 86400, 1 },
	{ SECTION_LIMITS, "max_message_size", KEY_UINT,
	  CFG(limits.max_message_size), 512, 16 << 20, 1 },
	{ SECTION_LIMITS, "max_headers", KEY_UINT, CFG(limits.max_headers), 8,
	  SIP_MSG_MAX_HDRS, 1 },
	{ SECTION_LIMITS, "max_uri_length", KEY_UINT,
	  CFG(limits.max_uri_length), 32, 65535, 1 },
};

#define NKEYS (sizeof(keys) / sizeof(*keys))
/* parser.seen has one bit per key. */
_Static_assert(NKEYS <= 64, "more keys than bits in parser.seen");

struct parser {
	struct config *c;
	const char *name;		/* the file name, for messages */
	char *err;
	size_t errlen;
	unsigned line;
	enum section section;
	uint64_t seen;			/* keys of the current section,
					   by bit of their index in keys[] */
	unsigned section_line[SECTION_COUNT];	/* of [general] etc. */
};

static int config_fail(struct parser *p, unsigned line, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));

static int config_fail(struct parser *p, unsigned line, const char *fmt,
		       ...)
{
	va_list ap;
	int n;

	if (p->errlen == 0)
		return -EINVAL;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *config_transport_name(enum config_transport tp)
{
	switch (tp) {
	case CONFIG_TP_UDP:
		return "udp";
	case CONFIG_TP_TCP:
		return "tcp";
	case CONFIG_TP_TLS:
		return "tls";
	}
	return "?";
}

void config_listener_fmt(const struct config_listener *l, char *dst,
			 size_t n)
{
	const char *fmt = l->addr.ss_family == AF_INET6 ? "%s [%s]:%u"
							: "%s %s:%u";

	snprintf(dst, n, fmt, config_transport_name(l->transport), l->address,
		 (unsigned)l->port);
}

/*
 * Names of listeners and realms are tokens: letters, digits, '-', '_'
 * and '.', so that they read well in logs and in sbcctl arguments.
 */
static int config_name_ok(struct str s)
{
	if (s.len == 0 || s.len > CONFIG_NAME_MAX)
		return 0;
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		      ch == '.'))
			return 0;
	}
	return 1;
}

static int config_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Cuts a comment off a value: '#' or ';' preceded by white space starts
 * one, so "port = 5060  # SIP" means 5060 while "a;b" stays whole.
 */
static struct str config_strip_comment(struct str s)
{
	for (size_t i = 1; i < s.len; i++) {
		if ((s.p[i] == '#' || s.p[i] == ';') &&
		    config_is_blank(s.p[i - 1]))
			return str_trim(str_make(s.p, i));
	}
	return str_trim(s);
}

/* The array of a named section's structs, its count and element size. */
static void named_array(struct config *c, enum section sec, char ***arr,
			size_t **n, size_t *size)
{
	switch (sec) {
	case SECTION_RTPENGINE:
		*arr = (char **)&c->rtpengines;
		*n = &c->n_rtpengines;
		*size = sizeof(*c->rtpengines);
		break;
	case SECTION_REALM:
		*arr = (char **)&c->realms;
		*n = &c->n_realms;
		*size = sizeof(*c->realms);
		break;
	default:
		*arr = (char **)&c->listeners;
		*n = &c->n_listeners;
		*size = sizeof(*c->listeners);
	}
}

/* The struct of the named section being read. */
static char *config_elem(struct parser *p)
{
	char **arr;
	size_t *n, size;

	named_array(p->c, p->section, &arr, &n, &size);
	return *arr + (*n - 1) * size;
}

static struct config_listener *config_cur(struct parser *p)
{
	return (struct config_listener *)(void *)config_elem(p);
}

static const struct key *key_find(enum section sec, struct str k,
				  unsigned *idx)
{
	for (unsigned i = 0; i < NKEYS; i++) {
		if (keys[i].section == sec && str_eq(k, str_cstr(keys[i].name))) {
			*idx = i;
			return &keys[i];
		}
	}
	return NULL;
}

static int key_seen(struct parser *p, enum section sec, const char *name)
{
	unsigned idx;

	return key_find(sec, str_cstr(name), &idx) &&
	       (p->seen & (UINT64_C(1) << idx));
}

/* The keys of a section, for "expected ..." in messages. */
static void key_list(enum section sec, char *dst, size_t n)
{
	size_t len = 0;
	unsigned count = 0, k = 0;

	for (unsigned i = 0; i < NKEYS; i++)
		count += keys[i].section == sec;
	dst[0] = '\0';
	for (unsigned i = 0; i < NKEYS && len < n; i++) {
		if (keys[i].section != sec)
			continue;
		k++;
		len += (size_t)snprintf(dst + len, n - len, "%s%s",
					k == 1 ? "" : k == count ? " or " : ", ",
					keys[i].name);
	}
}

/* A listener is complete when its section ends. */
static int config_rtpengine_end(struct parser *p);

static int config_listener_end(struct parser *p)
{
	struct config_listener *l;

	if (p->section == SECTION_RTPENGINE)
		return config_rtpengine_end(p);
	if (p->section != SECTION_LISTENER)
		return 0;
	l = config_cur(p);
	if (!key_seen(p, SECTION_LISTENER, "realm"))
		return config_fail(p, l->line, "listener '%s' has no realm",
				   l->name);
	if (!key_seen(p, SECTION_LISTENER, "address"))
		return config_fail(p, l->line, "listener '%s' has no address",
				   l->name);
	if (l->transport == CONFIG_TP_TLS) {
		if (!l->tls_cert || !l->tls_key)
			return config_fail(p, l->line,
					   "listener '%s' uses tls and needs "
					   "tls_cert and tls_key",
					   l->name);
		if (!key_seen(p, SECTION_LISTENER, "port"))
			l->port = CONFIG_DEFAULT_TLS_PORT;
	} else if (l->tls_cert || l->tls_key || l->tls_ca ||
		   l->tls_verify_client || l->tls_ciphers ||
		   l->tls_ciphersuites || l->tls_min_version) {
		return config_fail(p, l->line,
				   "listener '%s' has tls_ keys but transport "
				   "%s",
				   l->name, config_transport_name(l->transport));
	}
	if (l->tls_verify_client && !l->tls_ca)
		return config_fail(p, l->line,
				   "listener '%s': tls_verify_client needs "
				   "tls_ca",
				   l->name);
	if (l->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&l->addr)->sin_port = htons(l->port);
	else
		((struct sockaddr_in6 *)&l->addr)->sin6_port = htons(l->port);
	return 0;
}

/* An rtpengine is complete when its section ends: an IP literal. */
static int config_rtpengine_end(struct parser *p)
{
	struct config_rtpengine *r =
		(struct config_rtpengine *)(void *)config_elem(p);
	struct sockaddr_in *a4 = (struct sockaddr_in *)&r->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&r->addr;

	if (!r->port)
		r->port = CONFIG_DEFAULT_NG_PORT;
	if (!r->address)
		return config_fail(p, r->line, "rtpengine '%s' has no address",
				   r->name);
	memset(&r->addr, 0, sizeof(r->addr));
	if (inet_pton(AF_INET, r->address, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(r->port);
	} else if (inet_pton(AF_INET6, r->address, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(r->port);
	} else {
		return config_fail(p, r->line,
				   "rtpengine '%s': bad address '%s' (an IPv4 "
				   "or IPv6 literal is needed)",
				   r->name, r->address);
	}
	return 0;
}

static int config_section(struct parser *p, struct str s)
{
	struct config *c = p->c;
	struct config_listener *l;
	struct str kind, name;
	enum section sec = SECTION_NONE;
	char **arr, *elem;
	size_t *n, size;
	ptrdiff_t sp;
	int rc;

	/* s is the text between '[' and ']'. */
	s = str_trim(s);
	for (sp = 0; (size_t)sp < s.len && !config_is_blank(s.p[sp]); sp++)
		;
	if ((size_t)sp == s.len) {
		kind = s;
		name = STR_NULL;
	} else {
		kind = str_make(s.p, (size_t)sp);
		name = str_trim(str_make(s.p + sp, s.len - (size_t)sp));
	}

	rc = config_listener_end(p);
	if (rc < 0)
		return rc;
	p->seen = 0;

	for (unsigned i = SECTION_GENERAL; i < SECTION_COUNT; i++)
		if (str_eq(kind, str_cstr(section_names[i])))
			sec = (enum section)i;
	if (sec == SECTION_NONE && str_eq(kind, STR("route")))
		return config_fail(p, p->line,
				   "[route] sections are no longer read: trunks "
				   "and routes live in the database (sbcctl "
				   "trunk add, sbcctl route add)");
	if (sec == SECTION_NONE)
		return config_fail(p, p->line,
				   "unknown section [%.*s] (expected [general], "
				   "[sip], [transport], [dns], [limits], "
				   "[media], [listener NAME], [realm NAME] or "
				   "[rtpengine NAME])",
				   STR_FMT(s));
	if (!section_named(sec)) {
		if (name.len > 0)
			return config_fail(p, p->line, "[%s] takes no name",
					   section_names[sec]);
		if (p->section_line[sec] > 0)
			return config_fail(p, p->line,
					   "duplicate section [%s] "
					   "(first on line %u)",
					   section_names[sec],
					   p->section_line[sec]);
		p->section_line[sec] = p->line;
		p->section = sec;
		return 0;
	}
	if (name.len == 0)
		return config_fail(p, p->line,
				   "[%s] needs a name: [%s NAME]",
				   section_names[sec], section_names[sec]);
	if (!config_name_ok(name))
		return config_fail(p, p->line,
				   "bad %s name '%.*s' (letters, digits, "
				   "'-', '_' and '.', at most %d)",
				   section_names[sec], STR_FMT(name),
				   CONFIG_NAME_MAX);
	named_array(c, sec, &arr, &n, &size);
	for (size_t i = 0; i < *n; i++) {
		char *e = *arr + i * size;

		if (str_eq(name, str_cstr(e)))
			return config_fail(p, p->line,
					   "duplicate %s name '%.*s' "
					   "(first on line %u)",
					   section_names[sec], STR_FMT(name),
					   *(unsigned *)(void *)(e +
						offsetof(struct config_realm,
							 line)));
	}
	elem = realloc(*arr, (*n + 1) * size);
	if (elem == NULL)
		return -ENOMEM;
	*arr = elem;
	elem += (*n)++ * size;
	memset(elem, 0, size);
	str_copy(elem, CONFIG_NAME_MAX + 1, name);
	/* Every named struct has its line right after the name. */
	*(unsigned *)(void *)(elem + offsetof(struct config_realm, line)) =
		p->line;
	p->section = sec;
	if (sec == SECTION_LISTENER) {
		l = config_cur(p);
		l->transport = CONFIG_TP_UDP;
		l->port = CONFIG_DEFAULT_PORT;
	}
	return 0;
}

static int config_address(struct parser *p, struct config_listener *l,
			  struct str v)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&l->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->addr;
	struct str a = v;

	/* An IPv6 literal may come in the brackets of a URI host. */
	if (a.len >= 2 && a.p[0] == '[' && a.p[a.len - 1] == ']')
		a = str_make(a.p + 1, a.len - 2);
	if (a.len == 0 || a.len >= sizeof(l->address))
		goto bad;
	str_copy(l->address, sizeof(l->address), a);
	memset(&l->addr, 0, sizeof(l->addr));
	if (inet_pton(AF_INET, l->address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, l->address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
bad:
	l->address[0] = '\0';
	return config_fail(p, p->line,
			   "bad address '%.*s' (an IPv4 or IPv6 literal is "
			   "needed; host names are not resolved)",
			   STR_FMT(v));
}

static int config_bool(struct str v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (unsigned i = 0; i < 4; i++) {
		if (str_eq(v, str_cstr(yes[i]))) {
			*out = 1;
			return 0;
		}
		if (str_eq(v, str_cstr(no[i]))) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* Stores a value of key k into base (struct config or the listener). */
static int config_set(struct parser *p, const struct key *k, char *base,
		      struct str v)
{
	void *f = base + k->off;
	char level[16];
	uint64_t n;
	int b;

	switch (k->type) {
	case KEY_UINT:
		if (str_to_u64(v, k->max, &n) < 0 || n < k->min)
			return config_fail(p, p->line,
					   "bad %s '%.*s' (expected a number "
					   "from %llu to %llu)",
					   k->name, STR_FMT(v),
					   (unsigned long long)k->min,
					   (unsigned long long)k->max);
		n *= k->scale;
		if (k->size == sizeof(unsigned))
			*(unsigned *)f = (unsigned)n;
		else
			*(size_t *)f = (size_t)n;
		return 0;
	case KEY_MODE: {
		char *end, tmp[8];

		if (v.len == 0 || v.len >= sizeof(tmp))
			goto bad_mode;
		str_copy(tmp, sizeof(tmp), v);
		n = strtoul(tmp, &end, 8);
		if (*end != '\0' || n > 0777)
			goto bad_mode;
		*(unsigned *)f = (unsigned)n;
		return 0;
bad_mode:
		return config_fail(p, p->line,
				   "bad %s '%.*s' (expected an octal mode such "
				   "as 0600)",
				   k->name, STR_FMT(v));
	}
	case KEY_PATH:
		if (v.len == 0)
			return config_fail(p, p->line, "empty %s path", k->name);
		free(*(char **)f);
		*(char **)f = strndup(v.p, v.len);
		return *(char **)f ? 0 : -ENOMEM;
	case KEY_BOOL:
		if (config_bool(v, &b) < 0)
			return config_fail(p, p->line,
					   "bad %s '%.*s' (expected yes or no)",
					   k->name, STR_FMT(v));
		*(int *)f = b;
		return 0;
	case KEY_LEVEL:
		if (v.len >= sizeof(level))
			goto bad_level;
		str_copy(level, sizeof(level), v);
		if (log_level_parse(level, (enum log_level *)f) < 0)
			goto bad_level;
		return 0;
	case KEY_NAME:
		if (!config_name_ok(v))
			return config_fail(p, p->line,
					   "bad %s '%.*s' (letters, digits, "
					   "'-', '_' and '.', at most %d)",
					   k->name, STR_FMT(v), CONFIG_NAME_MAX);
		str_copy(f, k->size, v);
		return 0;
	case KEY_TRANSPORT:
		for (int t = CONFIG_TP_UDP; t <= CONFIG_TP_TLS; t++) {
			if (str_eq(v, str_cstr(config_transport_name(t)))) {
				*(enum config_transport *)f = t;
				return 0;
			}
		}
		return config_fail(p, p->line,
				   "unknown transport '%.*s' (expected udp, "
				   "tcp or tls)",
				   STR_FMT(v));
	case KEY_ADDRESS:
		return config_address(p, (struct config_listener *)base, v);
	case KEY_TLSVER:
		if (!str_eq(v, STR("1.2")) && !str_eq(v, STR("1.3")))
			return config_fail(p, p->line,
					   "bad %s '%.*s' (expected 1.2 or 1.3)",
					   k->name, STR_FMT(v));
		*(unsigned *)f = str_eq(v, STR("1.2")) ? 12 : 13;
		return 0;
	case KEY_STRING:
		if (v.len == 0)
			return config_fail(p, p->line, "empty %s", k->name);
		free(*(char **)f);
		*(char **)f = strndup(v.p, v.len);
		return *(char **)f ? 0 : -ENOMEM;
	case KEY_FAMILY:
		if (!str_eq(v, STR("ipv4")) && !str_eq(v, STR("ipv6")))
			return config_fail(p, p->line,
					   "bad %s '%.*s' (expected ipv4 or "
					   "ipv6)",
					   k->name, STR_FMT(v));
		*(int *)f = str_eq(v, STR("ipv4"));
		return 0;
	case KEY_ACTION:
		for (int a = CONFIG_ACT_ALLOW; a <= CONFIG_ACT_DROP; a++) {
			if ((k->min & (1u << a)) &&
			    str_eq(v, str_cstr(action_names[a]))) {
				*(int *)f = a;
				return 0;
			}
		}
		return config_fail(p, p->line,
				   "bad %s '%.*s' (expected %sreject or drop)",
				   k->name, STR_FMT(v),
				   k->min & ACTS(ALLOW) ? "allow, " : "");
	case KEY_MEDIA:
		for (int m = CORE_MEDIA_ALWAYS; m <= CORE_MEDIA_NAT; m++) {
			if (str_eq(v, str_cstr(media_names[m]))) {
				*(int *)f = m;
				return 0;
			}
		}
		return config_fail(p, p->line,
				   "bad %s '%.*s' (expected always, never or "
				   "nat)",
				   k->name, STR_FMT(v));
	case KEY_ONFAIL:
		if (!str_eq(v, STR("refuse")) && !str_eq(v, STR("continue")))
			return config_fail(p, p->line,
					   "bad %s '%.*s' (expected refuse or "
					   "continue)",
					   k->name, STR_FMT(v));
		*(int *)f = str_eq(v, STR("continue"));
		return 0;
	case KEY_FLAGS: {
		struct str rest = v, name;

		while (sip_list_next(&rest, &name))
			if (!core_media_flag_ok(name))
				return config_fail(p, p->line,
						   "unknown media flag '%.*s' "
						   "(see sbc.conf(5))",
						   STR_FMT(name));
		free(*(char **)f);
		*(char **)f = strndup(v.p, v.len);
		return *(char **)f ? 0 : -ENOMEM;
	}
	case KEY_PORT:
		if (str_to_u64(v, 65535, &n) < 0 || n == 0)
			return config_fail(p, p->line,
					   "bad port '%.*s' (expected a number "
					   "from 1 to 65535)",
					   STR_FMT(v));
		*(uint16_t *)f = (uint16_t)n;
		return 0;
	}
	return -EINVAL;

bad_level:
	return config_fail(p, p->line,
			   "bad log_level '%.*s' (expected error, warning, "
			   "info or debug)",
			   STR_FMT(v));
}

static int config_key(struct parser *p, struct str k, struct str v)
{
	const struct key *key;
	char expected[256], where[CONFIG_NAME_MAX + 16];
	unsigned idx;

	if (section_named(p->section))
		snprintf(where, sizeof(where), "[%s %s]",
			 section_names[p->section], config_elem(p));
	else
		snprintf(where, sizeof(where), "[%s]",
			 section_names[p->section]);
	key = key_find(p->section, k, &idx);
	if (!key) {
		key_list(p->section, expected, sizeof(expected));
		return config_fail(p, p->line,
				   "unknown key '%.*s' in %s (expected %s)",
				   STR_FMT(k), where, expected);
	}
	if (p->seen & (UINT64_C(1) << idx))
		return config_fail(p, p->line, "duplicate key '%.*s'",
				   STR_FMT(k));
	p->seen |= UINT64_C(1) << idx;
	return config_set(p, key,
			  section_named(p->section) ? config_elem(p)
						    : (char *)p->c,
			  v);
}

static int config_line(struct parser *p, struct str s)
{
	struct str k, v;
	ptrdiff_t eq;

	s = str_trim(s);
	if (s.len == 0 || s.p[0] == '#' || s.p[0] == ';')
		return 0;
	if (memchr(s.p, '\0', s.len) != NULL)
		return config_fail(p, p->line, "NUL byte in line");

	if (s.p[0] == '[') {
		ptrdiff_t close = str_chr(s, ']');
		struct str rest;

		if (close < 0)
			return config_fail(p, p->line,
					   "section header without ']'");
		rest = config_strip_comment(
			str_make(s.p + close + 1, s.len - (size_t)close - 1));
		if (rest.len > 0)
			return config_fail(p, p->line,
					   "text after section header");
		return config_section(p, str_make(s.p + 1, (size_t)close - 1));
	}

	eq = str_chr(s, '=');
	if (eq < 0)
		return config_fail(p, p->line,
				   "expected 'key = value' or '[section]'");
	k = str_trim(str_make(s.p, (size_t)eq));
	v = config_strip_comment(
		str_make(s.p + eq + 1, s.len - (size_t)eq - 1));
	if (k.len == 0)
		return config_fail(p, p->line, "missing key before '='");
	if (p->section == SECTION_NONE)
		return config_fail(p, p->line,
				   "key '%.*s' outside of any section",
				   STR_FMT(k));
	return config_key(p, k, v);
}

static int config_has_realm(const struct config *c, const char *realm)
{
	for (size_t i = 0; i < c->n_listeners; i++)
		if (strcmp(c->listeners[i].realm, realm) == 0)
			return 1;
	return 0;
}

/* Realm policies name realms that some listener serves. */
static int config_check_realms(struct parser *p)
{
	const struct config *c = p->c;

	for (size_t i = 0; i < c->n_realms; i++) {
		const char *ar = c->realms[i].auth_realm;
		enum auth_alg algs[2];
		unsigned n_algs;

		if (!config_has_realm(c, c->realms[i].name))
			return config_fail(p, c->realms[i].line,
					   "[realm %s]: no listener serves it",
					   c->realms[i].name);
		/* RFC 3261 25.1: the realm is a quoted-string in the
		 * challenge; sbc writes it without escapes. */
		if (ar && (strpbrk(ar, "\"\\") || strlen(ar) > 128))
			return config_fail(p, c->realms[i].line,
					   "[realm %s]: auth_realm may not hold "
					   "'\"' or '\\' or be over 128 bytes",
					   c->realms[i].name);
		if (c->realms[i].auth_algorithms &&
		    auth_algs_parse(c->realms[i].auth_algorithms, algs,
				    &n_algs) < 0)
			return config_fail(p, c->realms[i].line,
					   "[realm %s]: bad auth_algorithms '%s' "
					   "(expected SHA-256, MD5 or both, in "
					   "order of preference)",
					   c->realms[i].name,
					   c->realms[i].auth_algorithms);
	}
	return 0;
}

/* Relations between keys that no single key can check. */
static int config_check_timers(struct parser *p)
{
	const struct tsx_cfg *t = &p->c->sip;

	if (t->t2 < t->t1)
		return config_fail(p, p->section_line[SECTION_SIP],
				   "[sip] t2 (%u ms) is below t1 (%u ms)",
				   t->t2, t->t1);
	return 0;
}

/* Two listeners on one socket would fail at bind time; say it earlier. */
static int config_check_unique(struct parser *p)
{
	struct config *c = p->c;

	for (size_t i = 0; i < c->n_listeners; i++) {
		const struct config_listener *a = &c->listeners[i];

		for (size_t j = 0; j < i; j++) {
			const struct config_listener *b = &c->listeners[j];
			char where[96];

			if (a->transport != b->transport ||
			    a->port != b->port ||
			    a->addr.ss_family != b->addr.ss_family ||
			    strcmp(a->address, b->address) != 0)
				continue;
			config_listener_fmt(a, where, sizeof(where));
			return config_fail(p, a->line,
					   "listener '%s' uses %s, like "
					   "listener '%s' (line %u)",
					   a->name, where, b->name, b->line);
		}
	}
	return 0;
}

int config_parse(struct config *c, const char *name, const char *text,
		 size_t len, char *err, size_t errlen)
{
	struct parser p = {
		.c = c,
		.name = name,
		.err = err,
		.errlen = errlen,
	};
	const char *end = text + len;
	const char *s = text;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->log_level = LOG_LVL_INFO;
	c->no_route_status = 404;
	c->status_socket_mode = CONFIG_DEFAULT_STATUS_MODE;
	c->dns_avoid_s = 60;
	c->media_timeout_ms = 500;
	c->media_tries = 3;
	c->media_ping_ms = 5000;
	c->media_fail_status = 503;
	tsx_cfg_default(&c->sip);
	tp_cfg_default(&c->transport);
	c->limits = (struct config_limits){
		.source_rate = CONFIG_DEFAULT_SOURCE_RATE,
		.ban_ms = CONFIG_DEFAULT_BAN_S * 1000,
		.ban_action = CONFIG_ACT_DROP,
		.limit_status = 503,
		.limit_retry_after = 5,
		.max_message_size = CONFIG_DEFAULT_MAX_MESSAGE,
		.max_headers = CONFIG_DEFAULT_MAX_HEADERS,
		.max_uri_length = CONFIG_DEFAULT_MAX_URI,
	};
	if (errlen > 0)
		err[0] = '\0';

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;

		p.line++;
		rc = config_line(&p, str_make(s, (size_t)(eol - s)));
		if (rc < 0)
			goto fail;
		s = nl ? nl + 1 : end;
	}
	rc = config_listener_end(&p);
	if (rc < 0)
		goto fail;
	if (c->n_listeners == 0) {
		rc = config_fail(&p, 0,
				 "no listener: add a [listener NAME] "
				 "section");
		goto fail;
	}
	rc = config_check_unique(&p);
	if (rc < 0)
		goto fail;
	rc = config_check_timers(&p);
	if (rc < 0)
		goto fail;
	rc = config_check_realms(&p);
	if (rc < 0)
		goto fail;
	if (c->database == NULL) {
		c->database = strdup(CONFIG_DEFAULT_DATABASE);
		if (c->database == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	if (c->status_socket == NULL) {
		/* Next to the database: two sbcd with two databases never
		 * share a status socket by default. */
		const char *slash = strrchr(c->database, '/');
		int dir = slash ? (int)(slash - c->database + 1) : 0;
		size_t n = (size_t)dir + sizeof(CONFIG_DEFAULT_STATUS_SOCKET);

		c->status_socket = malloc(n);
		if (c->status_socket == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		snprintf(c->status_socket, n, "%.*s%s", dir, c->database,
			 CONFIG_DEFAULT_STATUS_SOCKET);
	}
	return 0;

fail:
	if (rc == -ENOMEM && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", name);
	config_free(c);
	return rc;
}

int config_load(struct config *c, const char *path, char *err,
		size_t errlen)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return rc;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *t = realloc(text, cap + 8192);

			if (t == NULL) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory",
					 path);
				goto out;
			}
			text = t;
			cap += 8192;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = config_parse(c, path, text, len, err, errlen);
out:
	free(text);
	fclose(f);
	return rc;
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < c->n_listeners; i++) {
		free(c->listeners[i].tls_cert);
		free(c->listeners[i].tls_key);
		free(c->listeners[i].tls_ca);
		free(c->listeners[i].tls_ciphers);
		free(c->listeners[i].tls_ciphersuites);
	}
	for (size_t i = 0; i < c->n_realms; i++) {
		free(c->realms[i].strip);
		free(c->realms[i].auth_realm);
		free(c->realms[i].auth_algorithms);
	}
	for (size_t i = 0; i < c->n_realms; i++) {
		free(c->realms[i].media_flags);
		free(c->realms[i].media_interface);
	}
	for (size_t i = 0; i < c->n_rtpengines; i++)
		free(c->rtpengines[i].address);
	free(c->rtpengines);
	c->rtpengines = NULL;
	c->n_rtpengines = 0;
	free(c->realms);
	c->realms = NULL;
	c->n_realms = 0;
	free(c->dns_servers);
	c->dns_servers = NULL;
	free(c->database);
	free(c->status_socket);
	c->status_socket = NULL;
	free(c->listeners);
	c->database = NULL;
	c->listeners = NULL;
	c->n_listeners = 0;
}
