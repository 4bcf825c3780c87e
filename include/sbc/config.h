/*
 * config: the bootstrap configuration file of sbcd (layer 7).
 *
 * The file is INI-like; man/sbc.conf.5 is its reference.  It holds only
 * what sbcd needs before it can open its database: the log level, the
 * database path and the listening sockets.  Everything an operator
 * changes at run time (trunks, routes) lives in the database.
 *
 *	# A comment; ';' starts one too.
 *	[general]
 *	log_level = info
 *	database = var/sbc.db
 *
 *	[sip]
 *	t1 = 500
 *
 *	[transport]
 *	idle_timeout = 120
 *
 *	[listener ext-udp]
 *	realm = external
 *	transport = udp
 *	address = 127.0.0.1
 *	port = 5060
 *
 *	[listener ext-tls]
 *	realm = external
 *	transport = tls
 *	address = 127.0.0.1
 *	tls_cert = /etc/sbc/cert.pem
 *	tls_key = /etc/sbc/key.pem
 */
#ifndef SBC_CONFIG_H
#define SBC_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sbc/log.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"

/* The database path used when [general] does not name one. */
#define CONFIG_DEFAULT_DATABASE "var/sbc.db"
/* The status socket used when [general] does not name one, in the
 * directory of the database, and its permissions. */
#define CONFIG_DEFAULT_STATUS_SOCKET "sbc.sock"
#define CONFIG_DEFAULT_STATUS_MODE 0600
/* The port used when a listener does not name one (RFC 3261 19.1.2):
 * 5060, or 5061 for TLS. */
#define CONFIG_DEFAULT_PORT 5060
#define CONFIG_DEFAULT_TLS_PORT 5061
/* Longest name of a listener or realm, in bytes. */
#define CONFIG_NAME_MAX 64

enum config_transport {
	CONFIG_TP_UDP = TP_UDP,
	CONFIG_TP_TCP = TP_TCP,
	CONFIG_TP_TLS = TP_TLS,
};

/* Named sections ([listener NAME], [realm NAME]) all
 * start with these two fields. */
struct config_listener {
	char name[CONFIG_NAME_MAX + 1];		/* from [listener NAME] */
	unsigned line;				/* of the section header */
	char realm[CONFIG_NAME_MAX + 1];
	enum config_transport transport;
	char address[64];			/* as written, no brackets */
	uint16_t port;
	struct sockaddr_storage addr;		/* address and port */
	char *tls_cert;				/* TLS: PEM chain */
	char *tls_key;				/* TLS: PEM private key */
	char *tls_ca;				/* TLS: CAs to verify peers */
	int tls_verify_client;			/* TLS: mutual TLS */
	char *tls_ciphers;			/* TLS 1.2 cipher list */
	char *tls_ciphersuites;			/* TLS 1.3 suites */
	unsigned tls_min_version;		/* 12 or 13; 0: 12 */
};


/* What sbc does to messages it sends into a realm. */
struct config_realm {
	char name[CONFIG_NAME_MAX + 1];		/* from [realm NAME] */
	unsigned line;
	char *strip;		/* headers removed, comma-separated; NULL:
				   the default, CONFIG_DEFAULT_STRIP */
	int auth;		/* digest authentication (RFC 3261 22) of
				   out-of-dialog requests from the realm */
	char *auth_realm;	/* the digest realm; NULL: the realm name */
	unsigned auth_nonce_s;	/* nonce lifetime; 0: CONFIG_DEFAULT_NONCE */
	char *auth_algorithms;	/* offered, in order; NULL: SHA-256, MD5 */
	/* Access control (ACL entries of the database): */
	int unknown_source;	/* a source that matches no allow entry
				   and no trunk; CONFIG_ACT_DEFAULT: allow
				   while the realm has no ACL entry,
				   reject once it has one */
	int deny_action;	/* a source a deny entry matches: reject
				   (the default) or drop */
	/* Media anchoring through rtpengine (issue 9): */
	int media;		/* enum core_media: always, never or nat;
				   0: always when an rtpengine exists */
	char *media_flags;	/* what rtpengine is asked for, comma-
				   separated (sbc.conf(5)); NULL: ice-remove */
	char *media_interface;	/* rtpengine's interface name for the
				   realm (its direction flag); NULL: none */
};

/* An rtpengine instance ([rtpengine NAME]); its ng port defaults to
 * CONFIG_DEFAULT_NG_PORT. */
#define CONFIG_DEFAULT_NG_PORT 2223
struct config_rtpengine {
	char name[CONFIG_NAME_MAX + 1];
	unsigned line;
	char *address;				/* as written */
	uint16_t port;
	struct sockaddr_storage addr;		/* address and port */
};

/* What sbc does with a request it refuses. */
enum config_action {
	CONFIG_ACT_DEFAULT = 0,	/* not set in the file */
	CONFIG_ACT_ALLOW,	/* not refused after all */
	CONFIG_ACT_REJECT,	/* answered (403; 503 for a ban) */
	CONFIG_ACT_DROP,	/* no answer at all */
};

/* [limits]: what a source, a message and the calls may do.  0 turns a
 * rate or count limit off. */
struct config_limits {
	unsigned source_rate;	/* requests per second per source IP */
	unsigned source_burst;	/* its bucket; 0: 2 * source_rate */
	unsigned ban_ms;	/* ban_time: a source over the rate */
	int ban_action;		/* drop (default) or reject: 503 */
	unsigned max_sources;	/* sources tracked at most */
	unsigned max_calls;	/* concurrent calls in all */
	unsigned max_cps;	/* new calls per second in all */
	unsigned limit_status;	/* the answer over a call limit */
	unsigned limit_retry_after;	/* its Retry-After, s; 0: none */
	unsigned max_message_size;	/* bytes: 513 (RFC 3261 21.5.11) */
	unsigned max_headers;	/* header lines: 400 */
	unsigned max_uri_length;	/* Request-URI: 414 (21.4.12) */
};

#define CONFIG_DEFAULT_SOURCE_RATE 100
#define CONFIG_DEFAULT_BAN_S 60
#define CONFIG_DEFAULT_MAX_MESSAGE 32768
#define CONFIG_DEFAULT_MAX_HEADERS 100
#define CONFIG_DEFAULT_MAX_URI 1024

/* How long a digest nonce is good for, in seconds. */
#define CONFIG_DEFAULT_NONCE 300

/* Headers that reveal software or hosts, removed unless a realm's strip
 * says otherwise; topology headers are always regenerated. */
#define CONFIG_DEFAULT_STRIP "User-Agent, Server, Warning"

struct config {
	enum log_level log_level;
	char *database;
	char *status_socket;		/* Unix socket of the status protocol */
	unsigned status_socket_mode;	/* its permissions */
	unsigned no_route_status;	/* 404 or 403 */
	char *dns_servers;		/* [dns] servers, comma-separated;
					   NULL: /etc/resolv.conf */
	unsigned dns_avoid_s;		/* [dns] avoid: a failed target */
	int dns_prefer_v4;		/* [dns] prefer = ipv4 */
	unsigned max_call_s;		/* longest call, seconds; 0: none */
	struct config_realm *realms;
	size_t n_realms;
	struct config_listener *listeners;
	size_t n_listeners;
	struct tsx_cfg sip;		/* [sip]: transaction timers */
	struct tp_cfg transport;	/* [transport]: connection limits */
	struct config_limits limits;	/* [limits] */
	struct config_rtpengine *rtpengines;
	size_t n_rtpengines;
	/* [media]: the ng client and what a failure does. */
	unsigned media_timeout_ms;	/* per try; default 500 */
	unsigned media_tries;		/* per instance; default 3 */
	unsigned media_ping_ms;		/* health checks; default 5 s */
	int media_continue;		/* on_failure = continue */
	unsigned media_fail_status;	/* on_failure = refuse: 503 */
};

/*
 * Reads and checks the file at path into c.  Returns 0, or a negative
 * errno with a message naming the file and line in err: -EINVAL for
 * anything wrong in the file, the open(2) error when it cannot be read,
 * -ENOMEM.  On failure c holds nothing that needs freeing.
 */
int config_load(struct config *c, const char *path, char *err,
		size_t errlen);

/* The same, from text in memory; name is used in messages. */
int config_parse(struct config *c, const char *name, const char *text,
		 size_t len, char *err, size_t errlen);

/* Frees what config_load allocated; c may be zeroed or freed already. */
void config_free(struct config *c);

/* "udp", "tcp" or "tls". */
const char *config_transport_name(enum config_transport tp);

/*
 * Formats a listener's address as "udp 127.0.0.1:5060" or
 * "udp [::1]:5060" into dst.
 */
void config_listener_fmt(const struct config_listener *l, char *dst,
			 size_t n);

#endif
