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
};


/* What sbc does to messages it sends into a realm. */
struct config_realm {
	char name[CONFIG_NAME_MAX + 1];		/* from [realm NAME] */
	unsigned line;
	char *strip;		/* headers removed, comma-separated; NULL:
				   the default, CONFIG_DEFAULT_STRIP */
};

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
