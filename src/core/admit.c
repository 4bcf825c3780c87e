/*
 * admit: call admission control of the session core (layer 6).
 *
 * A new INVITE passes four limits before it becomes a call: the
 * concurrent calls and the calls per second of sbc as a whole ([limits]
 * max_calls and max_cps of sbc.conf), and of the trunks it involves
 * (max_calls and max_cps of the trunks table): the trunk the caller is,
 * if any, and the first trunk of its route.  Over a limit the INVITE is
 * answered with the limit status (503 by default) and a Retry-After
 * (RFC 3261 21.5.4, 20.33), so that a well-behaved peer backs off.
 *
 * Counts live under the trunk's name, not its struct store_trunk, so
 * that they survive a reload; a call keeps pointers to the counts it
 * holds, which are freed only with the core.  A call that fails over to
 * a later trunk of its route stays counted against the first one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/log.h"
#include "sbc/rnd.h"
#include "sbc/sip_print.h"
#include "core_int.h"

struct admit_trunk {
	struct hash_node node;
	unsigned active;		/* calls counted against it now */
	struct ratelimit_bucket cps;
	char name[];
};

static struct admit_trunk *admit_find(struct core *c, const char *name,
				      int create)
{
	size_t len = strlen(name);
	uint64_t h = hash_bytes(name, len);
	struct admit_trunk *a;

	if (!c->admit.b && hash_init(&c->admit, 16) < 0)
		return NULL;
	for (struct hash_node *n = hash_first(&c->admit, h); n;
	     n = hash_next(n)) {
		a = hash_entry(n, struct admit_trunk, node);
		if (strcmp(a->name, name) == 0)
			return a;
	}
	if (!create)
		return NULL;
	a = calloc(1, sizeof(*a) + len + 1);
	if (!a)
		return NULL;
	memcpy(a->name, name, len + 1);
	hash_insert(&c->admit, &a->node, h);
	return a;
}

/* The limit answer: RFC 3261 20.33 lets a 503 say when to come back. */
static void admit_refuse(struct core *c, struct tsx *st, const char *why,
			 struct log_limit *ll, const char *trunk)
{
	char tag[CORE_TAG_LEN + 1];
	struct buf b;
	int rc;

	log_limited(ll, LOG_LVL_WARN, "core: INVITE refused: %s%s%s", why,
		    trunk ? " of trunk " : "", trunk ? trunk : "");
	rnd_token(tag, sizeof(tag));
	buf_init(&b);
	tsx_print_response_head(&b, st, c->cfg->limit_status, STR_NULL,
				str_cstr(tag));
	if (c->cfg->limit_retry_after)
		buf_printf(&b, "Retry-After: %u\r\n", c->cfg->limit_retry_after);
	sip_print_body(&b, STR_NULL, STR_NULL);
	rc = b.err ? b.err : tsx_respond(st, c->cfg->limit_status, b.p, b.len);
	if (rc < 0)
		log_debug("core: cannot send %u: %s", c->cfg->limit_status,
			  strerror(-rc));
	buf_free(&b);
}

int core__admit_check(struct core *c, struct tsx *st,
		      const struct store_route *r, const char *from_trunk)
{
	static struct log_limit ll_calls, ll_cps;
	const struct store_trunk *t[2] = { NULL, NULL };
	struct admit_trunk *a[2] = { NULL, NULL };
	uint64_t now = c->tmr->now;

	if (from_trunk)
		t[0] = store_routing_trunk(c->routing, from_trunk);
	if (r->n_targets && (!t[0] || strcmp(t[0]->name,
					     r->targets[0]->name) != 0))
		t[1] = r->targets[0];
	if (c->cfg->max_calls && c->stats.calls_active >= c->cfg->max_calls) {
		c->stats.calls_limit_global++;
		admit_refuse(c, st, "max_calls", &ll_calls, NULL);
		return -EBUSY;
	}
	for (int i = 0; i < 2; i++) {
		if (!t[i] || (!t[i]->max_calls && !t[i]->max_cps))
			continue;
		a[i] = admit_find(c, t[i]->name, 1);
		if (a[i] && t[i]->max_calls && a[i]->active >= t[i]->max_calls) {
			c->stats.calls_limit_trunk++;
			admit_refuse(c, st, "max_calls", &ll_calls, t[i]->name);
			return -EBUSY;
		}
	}
	/* Rates last, and tokens are taken only when every limit passes:
	 * a refused call costs no trunk a token. */
	if (c->cfg->max_cps &&
	    !ratelimit_bucket_peek(&c->admit_cps, now, c->cfg->max_cps, 0)) {
		c->stats.cps_limit_global++;
		admit_refuse(c, st, "max_cps", &ll_cps, NULL);
		return -EBUSY;
	}
	for (int i = 0; i < 2; i++) {
		if (a[i] && t[i]->max_cps &&
		    !ratelimit_bucket_peek(&a[i]->cps, now, t[i]->max_cps, 0)) {
			c->stats.cps_limit_trunk++;
			admit_refuse(c, st, "max_cps", &ll_cps, t[i]->name);
			return -EBUSY;
		}
	}
	ratelimit_bucket_take(&c->admit_cps, now, c->cfg->max_cps, 0);
	for (int i = 0; i < 2; i++)
		if (a[i])
			ratelimit_bucket_take(&a[i]->cps, now, t[i]->max_cps, 0);
	return 0;
}

void core__admit_take(struct core *c, struct call *k, const char *from_trunk,
		      const char *to_trunk)
{
	const char *names[2] = { from_trunk, to_trunk };

	if (to_trunk && from_trunk && strcmp(from_trunk, to_trunk) == 0)
		names[1] = NULL;
	for (int i = 0; i < 2; i++) {
		if (!names[i] || k->admitted[i])
			continue;
		k->admitted[i] = admit_find(c, names[i], 1);
		if (k->admitted[i])
			k->admitted[i]->active++;
	}
}

void core__admit_release(struct call *k)
{
	for (int i = 0; i < 2; i++) {
		if (k->admitted[i] && k->admitted[i]->active)
			k->admitted[i]->active--;
		k->admitted[i] = NULL;
	}
}

void core__admit_free(struct core *c)
{
	struct hash_node *n;

	if (!c->admit.b)
		return;
	hash_settle(&c->admit);
	for (size_t i = 0; i <= c->admit.mask; i++) {
		while ((n = c->admit.b[i]) != NULL) {
			hash_remove(&c->admit, n);
			free(hash_entry(n, struct admit_trunk, node));
		}
	}
	hash_free(&c->admit);
}
