/*
 * server_auth: what a reload does for authentication and TLS (layer 7):
 * the digest credentials the core checks requests against (RFC 3261
 * 22), and the certificates of the TLS listeners, which are loaded again
 * so that a renewed certificate is used without a restart.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sbc/core.h"
#include "sbc/log.h"
#include "sbc/store_auth.h"
#include "sbc/tp.h"
#include "server_int.h"

/* Warns of what makes every request of a realm fail. */
static void server_auth_check(const struct server *s,
			      const struct store_creds *cr)
{
	for (size_t i = 0; i < s->core_cfg.n_realms; i++) {
		const struct core_realm *r = &s->core_cfg.realms[i];
		size_t users = 0, other = 0;

		if (!r->auth_realm)
			continue;
		for (size_t k = 0; k < cr->n; k++) {
			if (strcmp(cr->v[k].realm, r->name) != 0)
				continue;
			users++;
			other += strcmp(cr->v[k].digest_realm,
					r->auth_realm) != 0;
		}
		if (users == 0)
			log_warn("realm %s requires authentication but has no "
				 "users (sbcctl user add %s USER)",
				 r->name, r->name);
		else if (other)
			log_warn("realm %s: %zu of %zu users have hashes of "
				 "another digest realm than '%s' and cannot "
				 "authenticate",
				 r->name, other, users, r->auth_realm);
	}
}

int server_auth_reload(struct server *s, char *err, size_t errlen)
{
	struct store_creds *cr;
	int rc = store_creds_load(s->store, &cr);

	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read the credentials: %s",
			 s->cfg->database, strerror(-rc));
		log_err("reload: %s", err);
		return rc;
	}
	core_set_creds(s->core, cr);
	log_info("credentials: %zu users", cr->n);
	server_auth_check(s, cr);
	store_creds_unref(cr);
	/* At start the listeners do not exist yet: they load their files
	 * as they open. */
	if (s->tp && tp_tls_reload(s->tp, err, errlen) > 0)
		return -EINVAL;
	return 0;
}
