/*
 * call_media: media anchoring through rtpengine (layer 6).
 *
 * When a call is anchored, every SDP body that crosses sbc goes to
 * rtpengine first: the first one of an exchange as an `offer`, the one
 * that answers it as an `answer` (RFC 3264 offer/answer, wherever the
 * bodies travel: INVITE, 18x, 2xx, ACK, UPDATE, PRACK and their
 * responses, RFC 6337 2.2).  The body rtpengine returns replaces the
 * original on the other leg, so that only rtpengine's addresses reach
 * each side.  The call's token is rtpengine's call-id; leg A's monologue
 * is tagged "caller", leg B's "callee".  When the call ends, rtpengine
 * gets a `delete`, also for calls restored from the database.
 *
 * Messages wait in the call's queue, in the order they came, while
 * rtpengine works on the first one: a 180 after a 183 with SDP waits for
 * the 183's answer, so nothing overtakes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/bencode.h"
#include "sbc/log.h"
#include "sbc/sip_print.h"
#include "core_int.h"

static const char *const side_tag[2] = { "caller", "callee" };

/*
 * media_flags of a realm (sbc.conf(5)): what rtpengine is asked for when
 * it writes SDP for that realm.
 */
static const struct {
	const char *name;
	const char *key;	/* the ng key */
	const char *value;	/* NULL: a member of the ng "flags" list */
} media_flags[] = {
	{ "ice-remove", "ICE", "remove" },
	{ "ice-force", "ICE", "force" },
	{ "rtp-avp", "transport-protocol", "RTP/AVP" },
	{ "rtp-savp", "transport-protocol", "RTP/SAVP" },
	{ "rtp-avpf", "transport-protocol", "RTP/AVPF" },
	{ "rtp-savpf", "transport-protocol", "RTP/SAVPF" },
	{ "rtcp-mux-demux", "rtcp-mux", "demux" },
	{ "rtcp-mux-offer", "rtcp-mux", "offer" },
	{ "record", "record call", "yes" },
	{ "asymmetric", "flags", NULL },
	{ "strip-extmap", "flags", NULL },
	{ "no-rtcp-attribute", "flags", NULL },
	{ "trust-address", "flags", NULL },
	{ "port-latching", "flags", NULL },
	{ "loop-protect", "flags", NULL },
};

#define N_FLAGS (sizeof(media_flags) / sizeof(*media_flags))
/* "strip-codec=NAME" strips a codec (rtpengine's codec-strip). */
#define STRIP_CODEC "strip-codec="

int core_media_flag_ok(struct str name)
{
	if (str_casestarts(name, STRIP_CODEC))
		return name.len > strlen(STRIP_CODEC);
	for (size_t i = 0; i < N_FLAGS; i++)
		if (str_eq(name, str_cstr(media_flags[i].name)))
			return 1;
	return 0;
}

static const struct core_realm *realm_of(const struct core *c,
					 const char *name)
{
	for (size_t i = 0; name && i < c->cfg->n_realms; i++)
		if (strcmp(c->cfg->realms[i].name, name) == 0)
			return &c->cfg->realms[i];
	return NULL;
}

/* Whether a body is SDP (RFC 4566 8.1: application/sdp). */
static int has_sdp(const struct sip_msg *m)
{
	const struct sip_hdr *ct = sip_msg_hdr(m, SIP_HDR_CONTENT_TYPE);

	return m->body.len && ct && str_casestarts(str_trim(ct->value),
						   "application/sdp");
}

/* The address of the session's c= line (RFC 4566 5.7), or STR_NULL. */
static struct str sdp_conn_addr(struct str body)
{
	const char *p = body.p, *end = body.p + body.len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct str line = str_trim(str_make(p, (size_t)((eol ? eol
								      : end) -
							     p)));

		if (str_casestarts(line, "c=IN IP4 ") ||
		    str_casestarts(line, "c=IN IP6 ")) {
			struct str a = str_make(line.p + 9, line.len - 9);
			ptrdiff_t sl = str_chr(a, '/');

			return sl < 0 ? a : str_make(a.p, (size_t)sl);
		}
		p = eol ? eol + 1 : end;
	}
	return STR_NULL;
}

/* A caller looks NATed when its Contact or its SDP names another
 * address than the one its INVITE came from. */
static int looks_natted(const struct sip_msg *m, const struct tp_src *src)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_CONTACT);
	char ip[64];
	uint16_t port;
	struct sip_addr a;
	struct str c;

	if (tp_addr_ip((const struct sockaddr *)&src->peer, ip, sizeof(ip),
		       &port) < 0)
		return 1;
	if (h && sip_addr_parse(&a, h->value, NULL) == 0 && !a.star &&
	    !sip_host_same(a.uri.host, str_cstr(ip)))
		return 1;
	c = has_sdp(m) ? sdp_conn_addr(m->body) : STR_NULL;
	return c.len && !sip_host_same(c, str_cstr(ip));
}

static int realm_wants(const struct core_realm *r, int natted)
{
	switch (r ? r->media : CORE_MEDIA_DEFAULT) {
	case CORE_MEDIA_NEVER:
		return 0;
	case CORE_MEDIA_NAT:
		return natted;
	default:
		return 1;
	}
}

void call__media_init(struct call *k, const struct sip_msg *m,
		      const struct tp_src *src)
{
	struct core *c = k->core;
	const char *b_realm = k->route && k->route->n_targets
				      ? k->route->targets[0]->realm
				      : NULL;
	int natted;

	if (!c->cfg->rtpe)
		return;
	/* Either realm may ask: "never" on both sides turns it off. */
	natted = looks_natted(m, src);
	k->media.anchor = realm_wants(realm_of(c, k->leg[LEG_A].realm),
				      natted) ||
			  realm_wants(realm_of(c, b_realm), natted);
}

const char *call__media_name(const struct call *k)
{
	return k->media.server >= 0 ? rtpe_name(k->core->cfg->rtpe,
						k->media.server)
				    : NULL;
}

void call__media_restore(struct call *k, const char *name)
{
	int i = name ? rtpe_find(k->core->cfg->rtpe, name) : -ENOENT;

	if (name && i < 0)
		log_warn("core: call %s: rtpengine '%s' is not configured "
			 "any more; its media session is not deleted",
			 k->id, name);
	if (i < 0)
		return;
	k->media.server = i;
	k->media.anchor = 1;
	k->media.sent = 1;
	k->media.counted = 1;
	k->core->stats.media_anchored++;
}

void call__print_body(struct buf *b, const struct sip_msg *m, struct str sdp)
{
	if (sdp.p)
		sip_print_body(b, STR("application/sdp"), sdp);
	else
		core__print_body(b, m);
}

/* The ng flags of the realm SDP is written for; ice-remove unless the
 * realm says otherwise. */
static void put_flags(struct buf *b, const struct core_realm *r)
{
	struct str rest = str_cstr(r && r->media_flags ? r->media_flags
						       : "ice-remove");
	struct str name;
	int list = 0;

	/* Keyed values first, then the "flags" list, then codecs. */
	for (int pass = 0; pass < 3; pass++) {
		struct str it = rest;

		while (sip_list_next(&it, &name)) {
			int strip = str_casestarts(name, STRIP_CODEC);

			if (pass == 2 && strip) {
				bencode_put_str(b, str_make(
					name.p + strlen(STRIP_CODEC),
					name.len - strlen(STRIP_CODEC)));
				continue;
			}
			for (size_t i = 0; !strip && i < N_FLAGS; i++) {
				if (!str_eq(name, str_cstr(media_flags[i].name)))
					continue;
				if (pass == 0 && media_flags[i].value)
					bencode_put_kv(b, media_flags[i].key,
						       media_flags[i].value);
				if (pass == 1 && !media_flags[i].value) {
					if (!list++) {
						bencode_put_cstr(b, "flags");
						bencode_put_list(b);
					}
					bencode_put_cstr(b, media_flags[i].name);
				}
			}
		}
		if (pass == 1 && list)
			bencode_put_end(b);
		if (pass == 1) {
			bencode_put_cstr(b, "codec");
			bencode_put_dict(b);
			bencode_put_cstr(b, "strip");
			bencode_put_list(b);
		}
	}
	bencode_put_end(b);	/* the strip list */
	bencode_put_end(b);	/* the codec dictionary */
	bencode_put_end(b);	/* the request */
}

/* The request for the SDP of message m from leg side. */
static void put_request(struct call *k, struct buf *b, int side,
			const struct sip_msg *m, int offer)
{
	struct core *c = k->core;
	const struct core_realm *from = realm_of(c, k->leg[side].realm);
	const struct core_realm *to = realm_of(c, k->leg[!side].realm);
	int offerer = offer ? side : !side;

	bencode_put_dict(b);
	bencode_put_kv(b, "command", offer ? "offer" : "answer");
	bencode_put_kv(b, "call-id", k->id);
	bencode_put_kv(b, "from-tag", side_tag[offerer]);
	if (!offer || k->media.server >= 0)
		bencode_put_kv(b, "to-tag", side_tag[!offerer]);
	bencode_put_cstr(b, "sdp");
	bencode_put_str(b, m->body);
	/* Nothing of the sender's session may reach the other side. */
	bencode_put_cstr(b, "replace");
	bencode_put_list(b);
	bencode_put_cstr(b, "origin");
	bencode_put_cstr(b, "session-connection");
	bencode_put_end(b);
	if (from && to && from->media_interface && to->media_interface) {
		bencode_put_cstr(b, "direction");
		bencode_put_list(b);
		bencode_put_cstr(b, from->media_interface);
		bencode_put_cstr(b, to->media_interface);
		bencode_put_end(b);
	}
	/* put_flags closes the codec dictionary and the request. */
	put_flags(b, to);
}

static void job_free(struct media_job *j)
{
	if (j->tsx)
		tsx_unref(j->tsx);
	free(j->msg);
	free(j);
}

static struct media_job *job_pop(struct call *k)
{
	struct media_job *j = k->media.jobs;

	if (j)
		k->media.jobs = j->next;
	return j;
}

static void media_run(struct call *k);

/* Whether m, from side, is an offer (else it answers the other's). */
static int is_offer(const struct call *k, int side)
{
	return k->media.offer_from != !side;
}

static void media_on_reply(int err, int server, const struct bencode *reply,
			   void *arg)
{
	struct call *k = arg;
	struct core *c = k->core;
	struct media_job *j = job_pop(k);
	struct str sdp = STR_NULL;
	int offer = is_offer(k, j->side);

	k->media.req = NULL;
	if (err == 0) {
		sdp = bencode_get_str(reply, "sdp");
		if (!sdp.len)
			err = -EPROTO;
	}
	if (err < 0) {
		c->stats.media_failures++;
		log_warn("core: call %s: rtpengine %s failed: %s", k->id,
			 rtpe_name(c->cfg->rtpe, server), strerror(-err));
	} else {
		if (k->media.server < 0) {
			k->media.server = server;
			k->media.counted = 1;
			c->stats.media_anchored++;
		}
		/* RFC 3264 4: an answer closes the exchange; a 18x's answer
		 * is repeated in the 2xx (RFC 6337 2.2). */
		if (offer)
			k->media.offer_from = j->side;
		else if (j->msg->is_request || j->msg->status >= 200)
			k->media.offer_from = -1;
		if (offer)
			c->stats.media_offers++;
		else
			c->stats.media_answers++;
	}
	j->done(k, j, err, sdp);
	job_free(j);
	if (k->state != CALL_DOWN)
		media_run(k);
	call__unref(k);
}

/* Works through the queue until a request is in flight or none is left. */
static void media_run(struct call *k)
{
	struct core *c = k->core;
	struct buf b;
	int rc;

	call__ref(k);
	while (k->media.jobs && !k->media.req && k->state != CALL_DOWN) {
		struct media_job *j = k->media.jobs;

		if (!k->media.anchor || !has_sdp(j->msg)) {
			job_pop(k);
			j->done(k, j, 0, STR_NULL);
			job_free(j);
			continue;
		}
		buf_init(&b);
		put_request(k, &b, j->side, j->msg, is_offer(k, j->side));
		rc = b.err ? b.err
			   : rtpe_request(c->cfg->rtpe, k->media.server,
					  buf_str(&b), media_on_reply, k,
					  &k->media.req);
		buf_free(&b);
		if (rc == 0) {
			/* The request holds the call. */
			call__ref(k);
			if (is_offer(k, j->side))
				k->media.sent = 1;
			continue;
		}
		c->stats.media_failures++;
		log_warn("core: call %s: no rtpengine: %s", k->id,
			 strerror(-rc));
		job_pop(k);
		j->done(k, j, rc, STR_NULL);
		job_free(j);
	}
	call__unref(k);
}

/* Parsed copies of messages, owning their bytes. */
static struct sip_msg *msg_copy(const struct sip_msg *m)
{
	struct sip_msg *c = malloc(sizeof(*c) + m->raw.len);
	char *raw = (char *)(c + 1);

	if (!c)
		return NULL;
	memcpy(raw, m->raw.p, m->raw.len);
	if (sip_msg_parse(c, raw, m->raw.len, SIP_MSG_DATAGRAM, NULL) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

int call__media_defer(struct call *k, int side, const struct sip_msg *m,
		      struct tsx *tsx, void *arg, media_done_cb *done)
{
	struct media_job *j, **tail;

	if (!k->media.anchor)
		return 0;
	/* A refused offer leaves the session as it was (RFC 3264 8). */
	if (!m->is_request && m->status >= 300 && k->media.offer_from == !side)
		k->media.offer_from = -1;
	if (!k->media.jobs && !has_sdp(m))
		return 0;
	for (tail = &k->media.jobs; *tail; tail = &(*tail)->next) {
		/* A retransmission of a message that waits already. */
		const struct sip_msg *q = (*tail)->msg;

		if (q->raw.len == m->raw.len &&
		    memcmp(q->raw.p, m->raw.p, m->raw.len) == 0)
			return 1;
	}
	j = calloc(1, sizeof(*j));
	if (!j || !(j->msg = msg_copy(m))) {
		free(j);
		return -ENOMEM;
	}
	j->side = side;
	j->tsx = tsx;
	if (tsx)
		tsx_ref(tsx);
	j->arg = arg;
	j->done = done;
	*tail = j;
	media_run(k);
	return 1;
}

static void media_on_deleted(int err, int server, const struct bencode *reply,
			     void *arg)
{
	struct core *c = arg;

	(void)reply;
	if (err == 0)
		return;
	c->stats.media_delete_failures++;
	log_warn("core: rtpengine %s: delete failed: %s",
		 rtpe_name(c->cfg->rtpe, server), strerror(-err));
}

void call__media_end(struct call *k)
{
	struct core *c = k->core;
	struct media_job *j;
	struct buf b;
	int server = k->media.server;

	if (k->media.req) {
		rtpe_cancel(k->media.req);
		k->media.req = NULL;
		/* The request's reference; the live call holds another. */
		call__unref(k);
	}
	while ((j = job_pop(k))) {
		j->done(k, j, -ECANCELED, STR_NULL);
		job_free(j);
	}
	if (k->media.counted) {
		c->stats.media_anchored--;
		k->media.counted = 0;
	}
	if (!k->media.sent)
		return;
	k->media.sent = 0;
	buf_init(&b);
	bencode_put_dict(&b);
	bencode_put_kv(&b, "command", "delete");
	bencode_put_kv(&b, "call-id", k->id);
	bencode_put_end(&b);
	c->stats.media_deletes++;
	/* An offer that never came back may still have made a session on
	 * the first server up. */
	if (b.err || rtpe_request(c->cfg->rtpe, server, buf_str(&b),
				  media_on_deleted, c, NULL) < 0)
		c->stats.media_delete_failures++;
	buf_free(&b);
}

int call__media_failed(struct call *k)
{
	struct core *c = k->core;

	if (c->cfg->media_fail_status) {
		c->stats.media_refused++;
		return (int)c->cfg->media_fail_status;
	}
	c->stats.media_unanchored++;
	log_info("core: call %s goes on without media anchoring", k->id);
	k->media.anchor = 0;
	k->media.sent = 0;
	return 0;
}

void call__media_free(struct call *k)
{
	struct media_job *j;

	rtpe_cancel(k->media.req);
	k->media.req = NULL;
	while ((j = job_pop(k)))
		job_free(j);
	buf_free(&k->media.b_sdp);
}
