/*
 * call_store: what of a call outlives sbcd (layer 6).
 *
 * An answered call is written to the database as a dialog row holding
 * both legs' dialog state (RFC 3261 12.1: Call-ID, tags, CSeq numbers,
 * local and remote URI, remote target, route set) and what sbc needs to
 * send on each leg again (realm, transport, the peer's address).  The
 * row is rewritten when a request moves a CSeq or a target, and deleted
 * when the call ends, which also writes the call's CDR.  Every write
 * goes through the store's writer thread: the loop only copies.
 *
 * At start sbcd reads the rows back and core_restore rebuilds each call,
 * so that the BYE or re-INVITE of a call set up before a restart (or a
 * crash) finds its dialogs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/log.h"
#include "core_int.h"

/*
 * A restored leg's local CSeq is moved on by this much: the last rows
 * written before a crash may be lost, and RFC 3261 12.2.2 lets a peer
 * accept numbers above the last it saw, but never below.
 */
#define CALL_CSEQ_MARGIN 100

static const char *call_caller(const struct call *k)
{
	const struct dlg *a = k->leg[LEG_A].dlg;

	return a ? a->remote_uri : NULL;
}

static const char *call_callee(const struct call *k)
{
	const struct dlg *a = k->leg[LEG_A].dlg;

	return a ? a->local_uri : NULL;
}

/* A restored call has no routing: the names come from its row. */
static const char *call_to_trunk(const struct call *k)
{
	return k->trunk ? k->trunk->name : k->r_to_trunk;
}

static const char *call_route(const struct call *k)
{
	return k->route ? k->route->name : k->r_route;
}

/* The transport as the dialog_legs table spells it. */
static const char *leg_transport(enum tp_proto p)
{
	return p == TP_TLS ? "tls" : p == TP_TCP ? "tcp" : "udp";
}

/* The store's view of a leg; the strings point into l, peer and rs. */
static void leg_row(const struct leg *l, char *peer, size_t n,
		    struct buf *rs, struct store_leg *out)
{
	const struct dlg *d = l->dlg;

	tp_addr_fmt((const struct sockaddr *)&l->peer, peer, n);
	buf_reset(rs);
	dlg_route_print(d, rs);
	buf_put_c(rs, '\0');
	*out = (struct store_leg){
		.realm = l->realm,
		.transport = leg_transport(l->proto),
		.peer = peer,
		.call_id = d->call_id,
		.local_tag = d->local_tag,
		.remote_tag = d->remote_tag,
		.local_cseq = d->local_cseq,
		.remote_cseq = d->remote_cseq_set ? (int64_t)d->remote_cseq
						  : -1,
		.local_uri = d->local_uri,
		.remote_uri = d->remote_uri,
		.remote_target = d->remote_target,
		.route_set = rs->err ? "" : rs->p,
		.secure = d->secure,
	};
}

void call__store_put(struct call *k)
{
	struct store_writer *w = k->core->cfg->writer;
	char peer[2][64], rs_mem[2][1024];
	struct buf rs[2];
	struct store_dialog d;

	if (!w || !k->leg[LEG_A].dlg || !k->leg[LEG_B].dlg)
		return;
	d = (struct store_dialog){
		.id = k->id,
		.route = call_route(k),
		.caller = call_caller(k),
		.callee = call_callee(k),
		.from_trunk = k->from_trunk,
		.to_trunk = call_to_trunk(k),
		.started_ms = k->started_ms,
		.answered_ms = k->answered_ms,
		.updated_ms = store_now_ms(),
		.media = call__media_name(k),
		.first = !k->stored,
	};
	for (int i = 0; i < 2; i++) {
		buf_init_spill(&rs[i], rs_mem[i], sizeof(rs_mem[i]));
		leg_row(&k->leg[i], peer[i], sizeof(peer[i]), &rs[i],
			&d.leg[i]);
	}
	if (store_writer_dialog_put(w, &d) < 0)
		k->core->stats.store_errors++;
	else
		k->stored = 1;
	buf_free(&rs[0]);
	buf_free(&rs[1]);
}

void call__store_end(struct call *k)
{
	struct store_writer *w = k->core->cfg->writer;
	struct store_cdr r;

	if (!w)
		return;
	if (k->stored && store_writer_dialog_del(w, k->id) < 0)
		k->core->stats.store_errors++;
	k->stored = 0;
	/* A relayed MESSAGE or PUBLISH is no call and leaves no CDR. */
	if (!k->counted_active)
		return;
	r = (struct store_cdr){
		.call = k->id,
		.started_ms = k->started_ms,
		.answered_ms = k->answered_ms,
		.ended_ms = store_now_ms(),
		.caller = call_caller(k),
		.callee = call_callee(k),
		.a_call_id = k->leg[LEG_A].dlg ? k->leg[LEG_A].dlg->call_id
					       : NULL,
		.b_call_id = k->b_call_id[0] ? k->b_call_id : NULL,
		.from_realm = k->leg[LEG_A].realm,
		.from_trunk = k->from_trunk,
		.to_trunk = call_to_trunk(k),
		.route = call_route(k),
		.status = k->status ? k->status
				    : (k->state == CALL_UP ? 200 : 500),
		.hangup = k->hangup ? k->hangup : "sbc",
	};
	if (store_writer_cdr(w, &r) < 0)
		k->core->stats.store_errors++;
}

void core_calls_foreach(struct core *c, core_call_cb cb, void *arg)
{
	for (struct call *k = c->calls; k; k = k->next) {
		struct core_call_info i;

		if (!k->counted_active)
			continue;	/* ended, or a MESSAGE relay */
		i = (struct core_call_info){
			.id = k->id,
			.state = k->state == CALL_UP ? "up" : "setup",
			.route = call_route(k),
			.from_realm = k->leg[LEG_A].realm,
			.to_realm = k->leg[LEG_B].realm,
			.to_trunk = call_to_trunk(k),
			.caller = call_caller(k),
			.callee = call_callee(k),
			.a_call_id = k->leg[LEG_A].dlg
					     ? k->leg[LEG_A].dlg->call_id
					     : NULL,
			.b_call_id = k->b_call_id,
			.started_ms = k->started_ms,
			.answered_ms = k->answered_ms,
			.restored = k->restored,
			.media = call__media_name(k),
		};
		cb(arg, &i);
	}
}

/* ------------------------------------------------------------------ */
/* Restoring a call from its row.                                      */

/* Rebuilds one leg: its listener by realm and transport, its dialog. */
static int leg_restore(struct core *c, struct leg *l, int side,
		       const struct store_leg *row)
{
	struct dlg in = { 0 };
	struct tp_dest d = { 0 };
	struct sockaddr_storage ss;
	char ip[INET6_ADDRSTRLEN];
	uint16_t port = 0;
	int rc;

	/* The peer as tp_addr_fmt wrote it, with a port. */
	if (tp_proto_parse(row->transport, strlen(row->transport), &d.proto) <
		    0 ||
	    tp_addr_parse(row->peer, 0, &ss) < 0 ||
	    !tp_addr_ip((const struct sockaddr *)&ss, ip, sizeof(ip),
			&port) ||
	    port == 0)
		return -EINVAL;
	tp_sockaddr_set(&d.addr, &ss);
	d.realm = row->realm;
	rc = call__leg_bind(c, l, &d);
	if (rc < 0)
		return rc;
	l->realm = tp_lsn_realm(l->lsn);
	in.uac = side == LEG_B;
	in.secure = row->secure != 0;
	in.call_id = (char *)row->call_id;
	in.local_tag = (char *)row->local_tag;
	in.remote_tag = (char *)row->remote_tag;
	in.local_cseq = row->local_cseq + CALL_CSEQ_MARGIN;
	in.remote_cseq_set = row->remote_cseq >= 0;
	in.remote_cseq = in.remote_cseq_set ? (uint32_t)row->remote_cseq : 0;
	in.local_uri = (char *)row->local_uri;
	in.remote_uri = (char *)row->remote_uri;
	in.remote_target = (char *)row->remote_target;
	rc = dlg_restore(&in, row->route_set, &l->dlg);
	if (rc < 0)
		return rc;
	call__leg_table_add(c, l);
	return 0;
}

/* Copies the names the call keeps of its row into one allocation. */
static int call_restore_text(struct call *k, const struct store_dialog *d)
{
	const char *src[3] = { d->route, d->from_trunk, d->to_trunk };
	const char **dst[3] = { &k->r_route, &k->from_trunk, &k->r_to_trunk };
	size_t len = 0;
	char *p;

	for (int i = 0; i < 3; i++)
		len += src[i] ? strlen(src[i]) + 1 : 0;
	if (!len)
		return 0;
	p = k->restored_text = malloc(len);
	if (!p)
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		size_t n;

		if (!src[i])
			continue;
		n = strlen(src[i]) + 1;
		memcpy(p, src[i], n);
		*dst[i] = p;
		p += n;
	}
	return 0;
}

int core_restore(struct core *c, const struct store_dialog *d, int64_t now_ms)
{
	const struct core_cfg *cfg = c->cfg;
	int64_t age = now_ms - d->answered_ms;
	struct call *k;
	int rc;

	if (cfg->max_call_ms && age >= (int64_t)cfg->max_call_ms)
		return -ETIME;
	if (strlen(d->id) >= sizeof(k->id))
		return -EINVAL;
	k = call__new(c, CALL_UP);
	if (!k)
		return -ENOMEM;
	memcpy(k->id, d->id, strlen(d->id) + 1);
	k->started_ms = d->started_ms;
	k->answered_ms = d->answered_ms;
	k->status = 200;
	k->restored = 1;
	k->stored = 1;
	rc = call_restore_text(k, d);
	for (int i = 0; i < 2 && rc == 0; i++)
		rc = leg_restore(c, &k->leg[i], i, &d->leg[i]);
	if (rc < 0) {
		/* Not a call: it leaves neither CDR nor row deletion. */
		k->stored = 0;
		k->state = CALL_DOWN;
		call__unref(k);
		return rc;
	}
	snprintf(k->a_tag, sizeof(k->a_tag), "%s", k->leg[LEG_A].dlg->local_tag);
	snprintf(k->b_call_id, sizeof(k->b_call_id), "%s",
		 k->leg[LEG_B].dlg->call_id);
	snprintf(k->b_from_tag, sizeof(k->b_from_tag), "%s",
		 k->leg[LEG_B].dlg->local_tag);
	call__media_restore(k, d->media);
	c->stats.calls_active++;
	c->stats.restored++;
	k->counted_active = 1;
	core__admit_take(c, k, k->from_trunk, k->r_to_trunk);
	if (cfg->max_call_ms)
		tmr_start(c->tmr, &k->max_timer,
			  (uint64_t)((int64_t)cfg->max_call_ms - age),
			  call__on_max, k);
	/* The restored row is rewritten: its CSeq moved by the margin. */
	call__store_put(k);
	return 0;
}
