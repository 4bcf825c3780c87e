/*
 * core_auth: digest authentication at the entry of the session core
 * (layer 6; RFC 3261 22).
 *
 * A realm whose [realm] section sets auth = yes lets an out-of-dialog
 * INVITE, MESSAGE or PUBLISH through only with valid credentials.  sbc
 * is the UAS of the caller's leg, so the challenge is a 401 with
 * WWW-Authenticate (22.2).  The same 401 answers a request without
 * credentials, with a wrong password or an unknown user; only an
 * expired nonce with an otherwise right digest adds stale=true.
 * Requests inside a dialog are not challenged: they reach a call only
 * with the Call-ID and tags of a dialog that an authenticated INVITE
 * made.  CANCEL and ACK cannot be challenged (22.1).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sbc/auth.h"
#include "sbc/log.h"
#include "sbc/rnd.h"
#include "sbc/sip_print.h"
#include "core_int.h"

static const struct core_realm *core_auth_realm(const struct core *c,
						const char *realm)
{
	for (size_t i = 0; i < c->cfg->n_realms; i++)
		if (strcmp(c->cfg->realms[i].name, realm) == 0)
			return c->cfg->realms[i].auth_realm ? &c->cfg->realms[i]
							    : NULL;
	return NULL;
}

static void core_auth_challenge(struct core *c, struct tsx *st,
				const struct auth_realm *ar, int64_t now,
				int stale)
{
	char tag[CORE_TAG_LEN + 1];
	struct buf b;
	int rc;

	rnd_token(tag, sizeof(tag));
	buf_init(&b);
	tsx_print_response_head(&b, st, 401, STR_NULL, str_cstr(tag));
	auth_challenge_print(c->auth, ar, now, stale, &b);
	sip_print_body(&b, STR_NULL, STR_NULL);
	rc = b.err ? b.err : tsx_respond(st, 401, b.p, b.len);
	if (rc < 0)
		log_debug("core: cannot send 401: %s", strerror(-rc));
	buf_free(&b);
	c->stats.local++;
}

int core__auth(struct core *c, struct tsx *st, const struct sip_msg *m,
	       const struct tp_src *src)
{
	const char *realm = tp_lsn_realm(src->lsn);
	const struct core_realm *cr = core_auth_realm(c, realm);
	struct auth_realm ar;
	int64_t now = (int64_t)time(NULL);
	char user[129], a[64];

	if (!cr || !c->auth)
		return 0;
	ar = (struct auth_realm){
		.name = cr->name,
		.digest_realm = cr->auth_realm,
		.nonce_ttl_s = cr->auth_nonce_s,
	};
	/* sbcd checked the list when it read its configuration. */
	if (cr->auth_algorithms &&
	    auth_algs_parse(cr->auth_algorithms, ar.algs, &ar.n_algs) < 0)
		ar.n_algs = 0;
	switch (auth_check(c->auth, &ar, c->creds, m, now, user,
			   sizeof(user))) {
	case AUTH_OK:
		c->stats.auth_ok++;
		log_debug("auth: %s authenticated in realm %s", user, realm);
		return 0;
	case AUTH_NONE:
		c->stats.auth_challenges++;
		core_auth_challenge(c, st, &ar, now, 0);
		return 1;
	case AUTH_STALE:
		c->stats.auth_stale++;
		core_auth_challenge(c, st, &ar, now, 1);
		return 1;
	case AUTH_FAILED:
		break;
	}
	/* The log tells the operator; the peer learns nothing more than
	 * from any other challenge. */
	c->stats.auth_failed++;
	log_info("auth: %.*s from %s in realm %s: wrong credentials",
		 STR_FMT(m->method_s),
		 tp_addr_fmt((const struct sockaddr *)&src->peer, a, sizeof(a)),
		 realm);
	core_auth_challenge(c, st, &ar, now, 0);
	return 1;
}
