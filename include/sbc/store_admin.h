/*
 * store_admin: what sbcctl changes and reads in the database (layer 2).
 *
 * Trunks, routes and the ACL are the operator's state (db/002_admin.sql).
 * Every write here validates its input, then checks and changes the
 * database in one transaction (BEGIN IMMEDIATE), so that a refused or
 * failed write leaves nothing behind.  Each returns 0 or a negative errno
 * with one human sentence in err (no "sbcctl:" prefix, no newline):
 *   -EINVAL   a value is malformed (a name, a URI, a CIDR, a number);
 *   -EEXIST   the name, or the ACL entry, exists already;
 *   -ENOENT   what is deleted or referenced does not exist;
 *   -EBUSY    a trunk is still used by routes, or the database is
 *             locked by another process;
 *   -ENOMEM, -EIO, -EACCES, -ENOSPC from the database.
 *
 * Listings read what sbcd reads: store_routing_load (trunks, routes with
 * their targets, the ACL, in one snapshot) and store_dialogs_load in
 * store.h.  CDRs may be many, so they are walked with a callback whose
 * strings live until the callback returns.  A running sbcd sees changes
 * after a reload.
 */
#ifndef SBC_STORE_ADMIN_H
#define SBC_STORE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/store.h"

/* Longest trunk, route or realm name, in bytes. */
#define STORE_ADMIN_NAME_MAX 64
/* Longest normalised trunk URI, and ACL comment, in bytes. */
#define STORE_ADMIN_URI_MAX 512
#define STORE_ADMIN_COMMENT_MAX 256
/* Room for a normalised CIDR such as "ffff:...:ffff/128". */
#define STORE_ADMIN_CIDR_MAX 64

/* ------------------------------------------------------------------ */
/* Validation, also used by the writes below.                           */

/*
 * Checks a name: 1 to 64 characters of letters, digits, '.', '_' and
 * '-'.  what ("trunk name", "realm") starts the message.  0 or -EINVAL.
 */
int store_admin_name_check(const char *what, const char *name, char *err,
			   size_t errlen);

/*
 * Turns what an operator typed for a trunk into the URI stored: a sip:
 * or sips: URI must parse (RFC 3261 19.1) and carry no headers; a bare
 * host name, IPv4 or IPv6 address, with an optional port ("host:5080",
 * "[2001:db8::1]:5080"), becomes "sip:HOST[:PORT]".  The scheme is
 * written in lower case.  0 or -EINVAL.
 */
int store_admin_uri_norm(const char *in, char *out, size_t outlen,
			 char *err, size_t errlen);

/*
 * Checks an IPv4 or IPv6 prefix and writes its canonical form into out
 * (inet_ntop's spelling of the address, "/LEN"): "a.b.c.d/0-32" or
 * "ipv6/0-128"; a bare address means /32 or /128.  A prefix with host
 * bits set is refused with the network it probably meant.  0 or -EINVAL.
 */
int store_admin_cidr_norm(const char *in, char *out, size_t outlen,
			  char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Trunks.                                                              */

/*
 * Adds the trunk t (t->uri as store_admin_uri_norm takes it; transport
 * NULL or "udp", "tcp", "tls"; tls_verify 0 or 1).
 */
int store_admin_trunk_add(struct store *s, const struct store_trunk *t,
			  char *err, size_t errlen);

/*
 * Changes fields of the trunk name from "key=value" strings: realm, uri,
 * transport (udp, tcp, tls, or any), max_calls, max_cps, tls_verify (yes,
 * no, 1, 0).  All or nothing.
 */
int store_admin_trunk_set(struct store *s, const char *name,
			  char *const *kv, size_t n, char *err,
			  size_t errlen);

/* Deletes a trunk; -EBUSY naming the routes that still use it. */
int store_admin_trunk_del(struct store *s, const char *name, char *err,
			  size_t errlen);

/* Reads one trunk into *out (free with store_admin_trunk_clear). */
int store_admin_trunk_get(struct store *s, const char *name,
			  struct store_trunk *out, char *err, size_t errlen);

/* Frees the strings of a trunk that store_admin_trunk_get filled. */
void store_admin_trunk_clear(struct store_trunk *t);

/* ------------------------------------------------------------------ */
/* Routes.                                                              */

/* A route to add: its targets are trunk names, in order. */
struct store_admin_route {
	char *name;
	int priority;
	char *from_realm;	/* NULL: any */
	char *from_trunk;	/* NULL: any */
	char *user_prefix;	/* NULL: any */
	char *domain;		/* NULL: any */
	char **targets;
	size_t n_targets;
};

/* The priority of a route added without one. */
#define STORE_ADMIN_PRIORITY_DEFAULT 100

/*
 * Adds the route r with at least one target; every target and from_trunk
 * must name an existing trunk (-ENOENT), and no trunk may be listed
 * twice.
 */
int store_admin_route_add(struct store *s, const struct store_admin_route *r,
			  char *err, size_t errlen);

/* Deletes a route and its targets. */
int store_admin_route_del(struct store *s, const char *name, char *err,
			  size_t errlen);


/* ------------------------------------------------------------------ */
/* Access control.                                                      */

/*
 * Adds an entry for realm; cidr as store_admin_cidr_norm takes it;
 * comment may be NULL.  Sets *id to the new entry's id when id is not
 * NULL.
 */
int store_admin_acl_add(struct store *s, const char *realm, const char *cidr,
			int allow, const char *comment, long long *id,
			char *err, size_t errlen);

/* Deletes the entry with this id. */
int store_admin_acl_del_id(struct store *s, long long id, char *err,
			   size_t errlen);

/* Deletes the entry of realm for cidr (normalised first). */
int store_admin_acl_del(struct store *s, const char *realm, const char *cidr,
			char *err, size_t errlen);


/* ------------------------------------------------------------------ */
/* CDRs, read only.                                                     */

/* Called once per CDR; a non-zero return stops the walk and is returned
 * by store_admin_cdr_each. */
typedef int (*store_admin_cdr_cb)(void *arg, long long id,
				  const struct store_cdr *c);

/*
 * Walks the CDRs with from_ms <= started_ms < to_ms, by started_ms then
 * id (INT64_MIN and INT64_MAX leave an end open).  Returns 0, the
 * callback's value, or a negative errno.
 */
int store_admin_cdr_each(struct store *s, int64_t from_ms, int64_t to_ms,
			 store_admin_cdr_cb cb, void *arg, char *err,
			 size_t errlen);


#endif
