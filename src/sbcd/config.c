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

#include "sbc/config.h"
#include "sbc/str.h"

/* Keys of a listener section, as bits to find duplicates. */
enum {
	KEY_REALM = 1 << 0,
	KEY_TRANSPORT = 1 << 1,
	KEY_ADDRESS = 1 << 2,
	KEY_PORT = 1 << 3,
};

/* Keys of [general]. */
enum {
	KEY_LOG_LEVEL = 1 << 0,
	KEY_DATABASE = 1 << 1,
};

enum section {
	SECTION_NONE = 0,
	SECTION_GENERAL,
	SECTION_LISTENER,
};

struct parser {
	struct config *c;
	const char *name;		/* the file name, for messages */
	char *err;
	size_t errlen;
	unsigned line;
	enum section section;
	unsigned seen;			/* keys of the current section */
	unsigned general_line;		/* 0 until [general] was seen */
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

static struct config_listener *config_cur(struct parser *p)
{
	return &p->c->listeners[p->c->n_listeners - 1];
}

/* A listener is complete when its section ends. */
static int config_listener_end(struct parser *p)
{
	struct config_listener *l;

	if (p->section != SECTION_LISTENER)
		return 0;
	l = config_cur(p);
	if (!(p->seen & KEY_REALM))
		return config_fail(p, l->line, "listener '%s' has no realm",
				   l->name);
	if (!(p->seen & KEY_ADDRESS))
		return config_fail(p, l->line, "listener '%s' has no address",
				   l->name);
	if (l->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&l->addr)->sin_port = htons(l->port);
	else
		((struct sockaddr_in6 *)&l->addr)->sin6_port = htons(l->port);
	return 0;
}

static int config_section(struct parser *p, struct str s)
{
	struct config *c = p->c;
	struct config_listener *l;
	struct str kind, name;
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

	if (str_eq(kind, STR("general"))) {
		if (name.len > 0)
			return config_fail(p, p->line,
					   "[general] takes no name");
		if (p->general_line > 0)
			return config_fail(p, p->line,
					   "duplicate section [general] "
					   "(first on line %u)",
					   p->general_line);
		p->general_line = p->line;
		p->section = SECTION_GENERAL;
		return 0;
	}
	if (!str_eq(kind, STR("listener")))
		return config_fail(p, p->line,
				   "unknown section [%.*s] (expected [general] "
				   "or [listener NAME])",
				   STR_FMT(s));
	if (name.len == 0)
		return config_fail(p, p->line,
				   "[listener] needs a name: [listener NAME]");
	if (!config_name_ok(name))
		return config_fail(p, p->line,
				   "bad listener name '%.*s' (letters, digits, "
				   "'-', '_' and '.', at most %d)",
				   STR_FMT(name), CONFIG_NAME_MAX);
	for (size_t i = 0; i < c->n_listeners; i++) {
		if (str_eq(name, str_cstr(c->listeners[i].name)))
			return config_fail(p, p->line,
					   "duplicate listener name '%.*s' "
					   "(first on line %u)",
					   STR_FMT(name),
					   c->listeners[i].line);
	}

	l = realloc(c->listeners, (c->n_listeners + 1) * sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	c->listeners = l;
	l = &c->listeners[c->n_listeners++];
	memset(l, 0, sizeof(*l));
	str_copy(l->name, sizeof(l->name), name);
	l->transport = CONFIG_TP_UDP;
	l->port = CONFIG_DEFAULT_PORT;
	l->line = p->line;
	p->section = SECTION_LISTENER;
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

static int config_listener_key(struct parser *p, struct str k,
			       struct str v)
{
	struct config_listener *l = config_cur(p);
	unsigned bit;
	uint64_t port;

	if (str_eq(k, STR("realm")))
		bit = KEY_REALM;
	else if (str_eq(k, STR("transport")))
		bit = KEY_TRANSPORT;
	else if (str_eq(k, STR("address")))
		bit = KEY_ADDRESS;
	else if (str_eq(k, STR("port")))
		bit = KEY_PORT;
	else
		return config_fail(p, p->line,
				   "unknown key '%.*s' in [listener %s] "
				   "(expected realm, transport, address or "
				   "port)",
				   STR_FMT(k), l->name);
	if (p->seen & bit)
		return config_fail(p, p->line, "duplicate key '%.*s'",
				   STR_FMT(k));
	p->seen |= bit;

	switch (bit) {
	case KEY_REALM:
		if (!config_name_ok(v))
			return config_fail(p, p->line,
					   "bad realm '%.*s' (letters, digits, "
					   "'-', '_' and '.', at most %d)",
					   STR_FMT(v), CONFIG_NAME_MAX);
		str_copy(l->realm, sizeof(l->realm), v);
		return 0;
	case KEY_TRANSPORT:
		if (str_eq(v, STR("udp"))) {
			l->transport = CONFIG_TP_UDP;
			return 0;
		}
		if (str_eq(v, STR("tcp")) || str_eq(v, STR("tls")))
			return config_fail(p, p->line,
					   "transport '%.*s' is not supported "
					   "yet (only udp is)",
					   STR_FMT(v));
		return config_fail(p, p->line,
				   "unknown transport '%.*s' (expected udp, "
				   "tcp or tls)",
				   STR_FMT(v));
	case KEY_ADDRESS:
		return config_address(p, l, v);
	default:
		if (str_to_u64(v, 65535, &port) < 0 || port == 0)
			return config_fail(p, p->line,
					   "bad port '%.*s' (expected a number "
					   "from 1 to 65535)",
					   STR_FMT(v));
		l->port = (uint16_t)port;
		return 0;
	}
}

static int config_general_key(struct parser *p, struct str k, struct str v)
{
	struct config *c = p->c;
	char level[16];
	unsigned bit;

	if (str_eq(k, STR("log_level")))
		bit = KEY_LOG_LEVEL;
	else if (str_eq(k, STR("database")))
		bit = KEY_DATABASE;
	else
		return config_fail(p, p->line,
				   "unknown key '%.*s' in [general] (expected "
				   "log_level or database)",
				   STR_FMT(k));
	if (p->seen & bit)
		return config_fail(p, p->line, "duplicate key '%.*s'",
				   STR_FMT(k));
	p->seen |= bit;

	if (bit == KEY_LOG_LEVEL) {
		if (v.len >= sizeof(level))
			goto bad_level;
		str_copy(level, sizeof(level), v);
		if (log_level_parse(level, &c->log_level) < 0)
			goto bad_level;
		return 0;
	}
	if (v.len == 0)
		return config_fail(p, p->line, "empty database path");
	free(c->database);
	c->database = strndup(v.p, v.len);
	return c->database ? 0 : -ENOMEM;

bad_level:
	return config_fail(p, p->line,
			   "bad log_level '%.*s' (expected error, warning, "
			   "info or debug)",
			   STR_FMT(v));
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

	switch (p->section) {
	case SECTION_GENERAL:
		return config_general_key(p, k, v);
	case SECTION_LISTENER:
		return config_listener_key(p, k, v);
	default:
		return config_fail(p, p->line,
				   "key '%.*s' outside of any section",
				   STR_FMT(k));
	}
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
	if (c->database == NULL) {
		c->database = strdup(CONFIG_DEFAULT_DATABASE);
		if (c->database == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
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
	free(c->database);
	free(c->listeners);
	c->database = NULL;
	c->listeners = NULL;
	c->n_listeners = 0;
}
