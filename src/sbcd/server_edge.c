/*
 * server_edge: what sbcd refuses before a message reaches the
 * transaction layer, so that a refused source costs no state (layer 7).
 *
 * In order: the per-source request rate (a source over it is banned for
 * [limits] ban_time, like Kamailio's pike; trunks are spared), the ACL
 * of the listener's realm (the most specific entry wins; a deny entry
 * refuses; a source that matches no allow entry and no trunk is refused
 * as the realm's unknown_source says), then the limits of a request's
 * size (513, RFC 3261 21.5.11), header count (400) and Request-URI
 * length (414, 21.4.12).  Responses from a refused source are dropped,
 * an ACK is never answered (RFC 3261 17.2.1), and every refusal is
 * counted by cause and logged through a struct log_limit, so that a
 * flood cannot flood the log too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "sbc/acl.h"
#include "sbc/config.h"
#include "sbc/json.h"
#include "sbc/log.h"
#include "sbc/ratelimit.h"
#include "sbc/sip_msg.h"
#include "sbc/tp.h"
#include "server_int.h"

int server_edge_init(struct server *s)
{
	const struct config_limits *l = &s->cfg->limits;
	struct ratelimit_cfg rc = {
		.rate = l->source_rate,
		.burst = l->source_burst ? l->source_burst : 2 * l->source_rate,
		.ban_ms = l->ban_ms,
		.max_sources = l->max_sources,
	};

	return ratelimit_new(&rc, &s->edge.rl);
}

void server_edge_reload(struct server *s, const struct store_routing *r)
{
	struct acl_table *t;
	size_t bad = 0;

	if (acl_table_build(r, &t, &bad) < 0) {
		log_err("routing: out of memory for the ACL; the old one stays");
		return;
	}
	if (bad)
		log_warn("routing: %zu ACL entries with a bad CIDR ignored",
			 bad);
	acl_table_free(s->edge.acl);
	s->edge.acl = t;
}

void server_edge_free(struct server *s)
{
	acl_table_free(s->edge.acl);
	s->edge.acl = NULL;
	ratelimit_free(s->edge.rl);
	s->edge.rl = NULL;
}

void server_edge_json(struct server *s, struct buf *b)
{
	const struct server_refused *rf = &s->edge.refused;
	struct ratelimit_stats st;
	struct core_stats cs = { 0 };

	if (s->core)
		core_stats_get(s->core, &cs);
	ratelimit_stats_get(s->edge.rl, uv_now(s->loop), &st);
	buf_put_cstr(b, "{\"acl_deny\":");
	buf_put_u64(b, rf->acl_deny);
	json_member_u64(b, "acl_unknown", rf->acl_unknown);
	json_member_u64(b, "rate_banned", rf->rate_banned);
	json_member_u64(b, "rate_limited", rf->rate_limited);
	json_member_u64(b, "calls_limit_trunk", cs.calls_limit_trunk);
	json_member_u64(b, "calls_limit_global", cs.calls_limit_global);
	json_member_u64(b, "cps_limit_trunk", cs.cps_limit_trunk);
	json_member_u64(b, "cps_limit_global", cs.cps_limit_global);
	json_member_u64(b, "too_large", rf->too_large);
	json_member_u64(b, "too_many_headers", rf->too_many_headers);
	json_member_u64(b, "uri_too_long", rf->uri_too_long);
	json_member_u64(b, "max_forwards", cs.max_forwards);
	json_member_u64(b, "banned_sources", st.banned);
	json_member_u64(b, "sources", st.sources);
	buf_put_c(b, '}');
}

static const struct config_realm *server_edge_realm(const struct config *c,
						    const char *name)
{
	for (size_t i = 0; i < c->n_realms; i++)
		if (strcmp(c->realms[i].name, name) == 0)
			return &c->realms[i];
	return NULL;
}

/* Refuses a message: answers a request when act is reject, drops
 * anything else.  Returns 1, for server_edge_check. */
static int server_edge_refuse(struct server *s, const struct sip_msg *m,
			      const struct tp_src *src, int act,
			      unsigned status, const char *reason,
			      const char *extra)
{
	if (act == CONFIG_ACT_REJECT && m->is_request)
		server_reply(s, m, src, status, reason, extra);
	return 1;
}

/* The source checks: rate, then ACL.  Returns 1 when refused. */
static int server_edge_source(struct server *s, const struct sip_msg *m,
			      const struct tp_src *src, const char *realm,
			      const char *ip)
{
	static struct log_limit ll_ban, ll_deny, ll_unknown;
	const struct sockaddr *sa = (const struct sockaddr *)&src->peer;
	const struct config_realm *cr = server_edge_realm(s->cfg, realm);
	struct server_refused *rf = &s->edge.refused;
	enum acl_verdict v = acl_table_match(s->edge.acl, realm, sa);
	char retry[48];
	int act, counted;

	/* Only requests count: a response answers something sbc sent. */
	if (m->is_request && v != ACL_TRUNK) {
		switch (ratelimit_source_check(s->edge.rl, sa,
					       uv_now(s->loop))) {
		case RATELIMIT_PASS:
			break;
		case RATELIMIT_BAN:
			rf->rate_limited++;
			log_limited(&ll_ban, LOG_LVL_WARN,
				    "%s: over %u requests/s, banned for %u s",
				    ip, s->cfg->limits.source_rate,
				    s->cfg->limits.ban_ms / 1000);
			/* fall through */
		case RATELIMIT_BANNED:
			rf->rate_banned++;
			/* RFC 3261 21.5.4: when to come back. */
			snprintf(retry, sizeof(retry), "Retry-After: %u\r\n",
				 (s->cfg->limits.ban_ms + 999) / 1000);
			return server_edge_refuse(s, m, src,
						  s->cfg->limits.ban_action,
						  503, NULL, retry);
		}
	}
	/* The ACK of a refused INVITE is part of that refusal. */
	counted = !m->is_request || m->method != SIP_METHOD_ACK;
	if (v == ACL_DENY) {
		rf->acl_deny += counted;
		log_limited(&ll_deny, LOG_LVL_INFO,
			    "%s: refused by an ACL deny entry of realm %s", ip,
			    realm);
		act = cr && cr->deny_action ? cr->deny_action
					    : CONFIG_ACT_REJECT;
		return server_edge_refuse(s, m, src, act, 403, NULL, NULL);
	}
	if (v != ACL_NONE)
		return 0;
	act = cr ? cr->unknown_source : CONFIG_ACT_DEFAULT;
	if (act == CONFIG_ACT_DEFAULT)
		act = acl_table_entries(s->edge.acl, realm) ? CONFIG_ACT_REJECT
							    : CONFIG_ACT_ALLOW;
	if (act == CONFIG_ACT_ALLOW)
		return 0;
	rf->acl_unknown += counted;
	log_limited(&ll_unknown, LOG_LVL_INFO,
		    "%s: refused: no ACL allow entry or trunk of realm %s", ip,
		    realm);
	return server_edge_refuse(s, m, src, act, 403, NULL, NULL);
}

int server_edge_check(struct server *s, const struct sip_msg *m,
		      const struct tp_src *src, size_t len, const char *bad)
{
	static struct log_limit ll_large, ll_hdrs, ll_uri;
	const struct config_limits *l = &s->cfg->limits;
	struct server_refused *rf = &s->edge.refused;
	char ip[INET6_ADDRSTRLEN + 8];

	tp_addr_fmt((const struct sockaddr *)&src->peer, ip, sizeof(ip));
	if (server_edge_source(s, m, src, tp_lsn_realm(src->lsn), ip))
		return 1;
	if (!m->is_request)
		return 0;
	if (bad) {
		/* The parser keeps SIP_MSG_MAX_HDRS lines at most; its 400
		 * is counted here with the others of its kind. */
		if (strcmp(bad, "too many headers") == 0)
			rf->too_many_headers++;
		return 0;
	}
	if (l->max_message_size && len > l->max_message_size) {
		rf->too_large++;
		log_limited(&ll_large, LOG_LVL_INFO,
			    "%s: message of %zu bytes refused", ip, len);
		return server_edge_refuse(s, m, src, CONFIG_ACT_REJECT, 513,
					  NULL, NULL);
	}
	if (l->max_headers && m->n_hdr > l->max_headers) {
		rf->too_many_headers++;
		log_limited(&ll_hdrs, LOG_LVL_INFO,
			    "%s: request with %u header lines refused", ip,
			    (unsigned)m->n_hdr);
		return server_edge_refuse(s, m, src, CONFIG_ACT_REJECT, 400,
					  "Too Many Headers", NULL);
	}
	if (l->max_uri_length && m->ruri.raw.len > l->max_uri_length) {
		rf->uri_too_long++;
		log_limited(&ll_uri, LOG_LVL_INFO,
			    "%s: Request-URI of %zu bytes refused", ip,
			    m->ruri.raw.len);
		return server_edge_refuse(s, m, src, CONFIG_ACT_REJECT, 414,
					  NULL, NULL);
	}
	return 0;
}
