/*
 * auth: HTTP digest authentication of SIP requests (layer 5; RFC 3261
 * 22, RFC 7616 as RFC 8760 applies it to SIP).
 *
 * sbc is the UAS of the caller's leg, so it challenges with 401 and
 * WWW-Authenticate and reads Authorization (RFC 3261 22.2), not the 407
 * of a proxy.  A challenge offers SHA-256 first and MD5 second, one
 * WWW-Authenticate line each (RFC 8760 2.4), always with qop "auth".
 *
 * Nonces are stateless: 8 bytes of issue time (seconds, big-endian), 8
 * random bytes and the first 16 bytes of HMAC-SHA256(secret, time ||
 * random || digest realm), in hex.  The secret is drawn at random when
 * sbcd starts, so a nonce is bound to this server and this run: after a
 * restart, or once the nonce lifetime has passed, a request whose digest
 * is otherwise right gets a new challenge with stale=true (RFC 7616
 * 3.3).  Nonce counts are not remembered: a nonce may be reused with any
 * nc until it expires, so replay protection is the nonce lifetime and
 * the transaction layer's absorption of retransmissions.
 *
 * A wrong password, an unknown user, a user without a hash for the
 * algorithm, and a digest realm that does not match all take the same
 * path (a digest is computed with a dummy HA1 for a missing user) and
 * get the same answer, so that the answers do not tell which users
 * exist.
 */
#ifndef SBC_AUTH_H
#define SBC_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/buf.h"
#include "sbc/sip_msg.h"
#include "sbc/store_auth.h"

enum auth_alg {
	AUTH_MD5 = 0,		/* RFC 2617, 32 hex digits */
	AUTH_SHA256,		/* RFC 7616, RFC 8760: 64 hex digits */
};

/* A realm that requires authentication (sbc.conf [realm NAME] auth). */
struct auth_realm {
	const char *name;		/* the sbc realm: credentials.realm */
	const char *digest_realm;	/* realm="..." of the challenge */
	unsigned nonce_ttl_s;		/* nonce lifetime */
	enum auth_alg algs[2];		/* offered, in order of preference */
	unsigned n_algs;		/* 0: SHA-256, then MD5 */
};

/*
 * Parses a list of algorithms ("SHA-256, MD5", any case) into algs (two
 * at most, no repeats).  Returns 0 or -EINVAL.
 */
int auth_algs_parse(const char *s, enum auth_alg *algs, unsigned *n);

enum auth_result {
	AUTH_OK = 0,		/* the request carries valid credentials */
	AUTH_NONE,		/* no credentials for this realm */
	AUTH_STALE,		/* right digest, expired or foreign nonce */
	AUTH_FAILED,		/* wrong user, password, uri or digest */
};

struct auth;

/* Draws the server secret.  Returns 0 or -ENOMEM. */
int auth_new(struct auth **out);
void auth_free(struct auth *a);

/*
 * Checks the Authorization lines of m for realm r against creds (may be
 * NULL: nobody passes).  now_s is the wall clock in seconds.  Copies
 * the user name of an AUTH_OK into user (n bytes; may be NULL).
 */
enum auth_result auth_check(const struct auth *a, const struct auth_realm *r,
			    const struct store_creds *creds,
			    const struct sip_msg *m, int64_t now_s,
			    char *user, size_t n);

/* Prints the WWW-Authenticate lines of a 401 for realm r into b. */
void auth_challenge_print(const struct auth *a, const struct auth_realm *r,
			  int64_t now_s, int stale, struct buf *b);

/*
 * HA1 = H(username ":" realm ":" password) in lower-case hex into hex,
 * which holds 65 bytes.  Returns 0, -EINVAL, or -ENOSYS when OpenSSL
 * lacks the digest (MD5 in FIPS mode).
 */
int auth_ha1(enum auth_alg alg, const char *username, const char *realm,
	     const char *password, char *hex, size_t n);

#endif
