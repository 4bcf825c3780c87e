/*
 * store_auth: digest credentials in the database (layer 2,
 * db/004_auth.sql).
 *
 * sbcd reads every credential at start and on reload into one
 * reference-counted snapshot, as it reads the routing state; sbcctl adds,
 * deletes and lists them.  Only HA1 hashes are stored (RFC 3261 22.4,
 * RFC 8760 3): H(username ":" digest_realm ":" password) in lower-case
 * hex, with MD5 and with SHA-256.  A password never reaches the store.
 */
#ifndef SBC_STORE_AUTH_H
#define SBC_STORE_AUTH_H

#include <stddef.h>

#include "sbc/store.h"

/* Hex digits of an HA1: MD5 32, SHA-256 64. */
#define STORE_HA1_MD5_LEN 32
#define STORE_HA1_SHA256_LEN 64

struct store_cred {
	char *realm;		/* the sbc realm */
	char *username;
	char *digest_realm;	/* the realm the hashes were made with */
	char *ha1_md5;		/* NULL: MD5 not allowed for this user */
	char *ha1_sha256;	/* NULL: SHA-256 not allowed */
};

/* Sorted by realm, then username (byte order). */
struct store_creds {
	unsigned refs;
	struct store_cred *v;
	size_t n;
};

/* Reads every credential.  Returns 0 and *out (one reference), or a
 * negative errno. */
int store_creds_load(struct store *s, struct store_creds **out);
struct store_creds *store_creds_ref(struct store_creds *c);
/* Drops a reference; c may be NULL. */
void store_creds_unref(struct store_creds *c);
/* The credential of a user in a realm, or NULL.  c may be NULL. */
const struct store_cred *store_creds_find(const struct store_creds *c,
					  const char *realm,
					  const char *username);

/*
 * Adds a user, or replaces the hashes of one that exists when replace is
 * set.  The names and hashes are checked as the schema does.  Returns 0,
 * -EEXIST (exists, replace not set), -EINVAL (a value refused), or
 * another negative errno, with a message in err.
 */
int store_auth_user_add(struct store *s, const struct store_cred *c,
			int replace, char *err, size_t errlen);
/* Deletes a user: 0, -ENOENT when there is none, or a negative errno. */
int store_auth_user_del(struct store *s, const char *realm,
			const char *username, char *err, size_t errlen);

#endif
