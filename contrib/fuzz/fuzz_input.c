/*
 * libFuzzer harness for the whole input path of sbcd: parse, transaction
 * match and the session core's decision, as src/sbcd/server.c wires them.
 *
 * LLVMFuzzerInitialize builds the stack once: a libuv loop, a transport
 * with UDP listeners on 127.0.0.1 (port 0) for the realms "external",
 * "internal" and "secure" (the last one requires digest credentials),
 * the transaction layer on a tmr heap whose clock the harness advances by
 * hand, and the core with an in-memory routing of one trunk (the
 * internal listener's own address, which nobody answers) and one route
 * that sends every INVITE there.  There is no writer, no resolver and no
 * rtpengine.
 *
 * An input is one or more datagrams separated by NUL bytes, so that
 * dialog-ish sequences (INVITE, then ACK, CANCEL or BYE) fit in one
 * input; the seeds in t/data are single datagrams.  Each datagram comes
 * from the caller (realm external, a fixed peer address) unless it
 * starts with "B:" (from the callee, the trunk's address, on the
 * internal listener) or "U:" (from the caller on the secure listener);
 * the prefix is removed.  These words in a datagram are replaced with
 * what sbc itself chose and sent last, since the fuzzer cannot guess
 * random values:
 *
 *   $BRANCH  the Via branch of the last request sent to the callee
 *   $CALLID  its Call-ID
 *   $BTAG    its From tag (sbc's tag on leg B)
 *   $BCSEQ   its CSeq number
 *   $ATAG    the To tag of the last response sent to the caller
 *   $ABRANCH the Via branch of the last request sent to the caller
 *   $ACSEQ   its CSeq number
 *   $BADDR   the trunk's address, "127.0.0.1:PORT", for the callee's
 *            Contact (the caller is 127.0.0.1:9, where nothing answers)
 *
 * Every datagram goes through what server_on_recv does after access
 * control: due timers, sip_msg_parse, tsx_layer_recv.  The clock moves
 * 10 ms per datagram, so retransmission timers fire now and then; after
 * every input (or every SBC_FUZZ_FLUSH_EVERY inputs) it jumps far enough
 * that every transaction and call ends, which keeps memory bounded.  At exit the stack is freed, so
 * that LeakSanitizer sees only real leaks.
 *
 * SBC_FUZZ_VERBOSE=1 prints every datagram in and out, to check a seed.
 *
 * Build and run with contrib/fuzz/run.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "sbc/auth.h"
#include "sbc/core.h"
#include "sbc/log.h"
#include "sbc/sip_msg.h"
#include "sbc/store.h"
#include "sbc/store_auth.h"
#include "sbc/tmr.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Inputs between two jumps of the clock that end everything.  1, the
 * default, makes every input start from an empty core, so a crash
 * reproduces from its input alone; SBC_FUZZ_FLUSH_EVERY=256 lets calls
 * and transactions of earlier inputs live on (more state, crashes that
 * need the inputs before them).
 */
#define FUZZ_FLUSH_EVERY 1
/* The longest datagram handed on, as a UDP listener would (64 KiB). */
#define FUZZ_MAX_DGRAM 65535
/* The longest value a placeholder stands for. */
#define FUZZ_VAL_MAX 128

enum fuzz_side { FUZZ_EXTERNAL = 0, FUZZ_INTERNAL, FUZZ_SECURE, FUZZ_SIDES };

static const char *const fuzz_realm_names[FUZZ_SIDES] = {
	"external", "internal", "secure"
};

struct fuzz {
	uv_loop_t loop;
	struct tmr_heap tmr;
	uint64_t now;
	struct tp *tp;
	struct tp_lsn *lsn[FUZZ_SIDES];
	struct sockaddr_storage lsn_addr[FUZZ_SIDES];
	struct tsx_layer *tsx;
	struct core *core;
	struct core_realm realms[FUZZ_SIDES];
	struct core_cfg cfg;
	struct store_routing *routing;
	struct store_creds *creds;
	struct sockaddr_storage caller;	/* the caller's fixed address */
	struct sockaddr_storage callee;	/* the trunk's address */
	struct sip_msg in;		/* what a datagram parses into */
	struct sip_msg sent;		/* what sbc sent, parsed again */
	char *dgram;			/* a datagram after substitution */
	unsigned long inputs;
	unsigned long flush_every;	/* inputs between two flushes */
	int verbose;			/* SBC_FUZZ_VERBOSE: print traffic */
	/* What sbc chose, for the placeholders. */
	char branch[FUZZ_VAL_MAX + 1];
	char call_id[FUZZ_VAL_MAX + 1];
	char btag[FUZZ_VAL_MAX + 1];
	char bcseq[FUZZ_VAL_MAX + 1];
	char atag[FUZZ_VAL_MAX + 1];
	char abranch[FUZZ_VAL_MAX + 1];
	char acseq[FUZZ_VAL_MAX + 1];
	char baddr[FUZZ_VAL_MAX + 1];
};

static struct fuzz *fz;

static void fuzz_die(const char *what, int rc)
{
	fprintf(stderr, "fuzz_input: %s: %s\n", what,
		rc < 0 ? strerror(-rc) : "failed");
	abort();
}

/* Datagrams that arrive on the real sockets (sbc's own sends to the
 * trunk, which is its internal listener) are dropped: the harness alone
 * decides what comes in. */
static void fuzz_on_recv(struct tp *tp, const struct tp_src *src,
			 const char *p, size_t len, void *arg)
{
	(void)tp;
	(void)src;
	(void)p;
	(void)len;
	(void)arg;
}

static void fuzz_on_tp_error(struct tp *tp, const struct tp_dest *d, int err,
			     void *arg)
{
	(void)tp;
	(void)arg;
	tsx_layer_tp_error(fz->tsx, d, err);
}

static int fuzz_send(void *ctx, const struct tp_dest *d, const void *p,
		     size_t len)
{
	return tp_send(ctx, d, p, len);
}

static void fuzz_copy(char *dst, struct str v)
{
	size_t n = v.len > FUZZ_VAL_MAX ? FUZZ_VAL_MAX : v.len;

	if (n)
		memcpy(dst, v.p, n);
	dst[n] = '\0';
}

static int fuzz_addr_eq(const union tp_sockaddr *a,
			const struct sockaddr_storage *b)
{
	return tp_addr_eq(&a->sa, (const struct sockaddr *)b);
}

/* Notes the values sbc chose in what it sent, for the placeholders. */
static void fuzz_on_sent(void *arg, const struct tp_dest *d, const void *p,
			 size_t len)
{
	struct fuzz *f = arg;
	struct sip_msg *m = &f->sent;

	if (f->verbose)
		fprintf(stderr, "fuzz_input: sent:\n%.*s\n", (int)len,
			(const char *)p);
	if (sip_msg_parse(m, p, len, SIP_MSG_DATAGRAM, NULL) < 0) {
		fprintf(stderr, "fuzz_input: sbc sent what it cannot parse:\n"
				"%.*s\n",
			(int)len, (const char *)p);
		abort();
	}
	if (!m->is_request) {
		if (!fuzz_addr_eq(&d->addr, &f->callee) &&
		    str_isset(m->to.tag))
			fuzz_copy(f->atag, m->to.tag);
		return;
	}
	/* An ACK or CANCEL reuses what its INVITE chose. */
	if (m->method == SIP_METHOD_ACK || m->method == SIP_METHOD_CANCEL)
		return;
	if (fuzz_addr_eq(&d->addr, &f->callee)) {
		fuzz_copy(f->branch, m->via.branch);
		fuzz_copy(f->call_id, m->call_id);
		fuzz_copy(f->btag, m->from.tag);
		snprintf(f->bcseq, sizeof(f->bcseq), "%lu",
			 (unsigned long)m->cseq.num);
	} else {
		fuzz_copy(f->abranch, m->via.branch);
		snprintf(f->acseq, sizeof(f->acseq), "%lu",
			 (unsigned long)m->cseq.num);
	}
}

static int fuzz_listen(struct fuzz *f, enum fuzz_side side)
{
	struct tp_lsn_cfg lc = {
		.name = fuzz_realm_names[side],
		.realm = fuzz_realm_names[side],
		.proto = TP_UDP,
	};
	struct sockaddr_in *a = (struct sockaddr_in *)&lc.addr;
	char err[256];
	int rc;

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = tp_listen(f->tp, &lc, &f->lsn[side], err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "fuzz_input: listen: %s\n", err);
		return rc;
	}
	return tp_lsn_addr(f->lsn[side], &f->lsn_addr[side]);
}

static char *fuzz_strdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		fuzz_die("strdup", -ENOMEM);
	return d;
}

/* One trunk, the internal listener's own address, and one route to it;
 * the heap-allocated snapshot store_routing_unref frees. */
static struct store_routing *fuzz_routing(const struct sockaddr_storage *to)
{
	struct store_routing *r = calloc(1, sizeof(*r));
	char uri[64], ip[INET6_ADDRSTRLEN];
	uint16_t port;

	if (!r)
		fuzz_die("routing", -ENOMEM);
	tp_addr_ip((const struct sockaddr *)to, ip, sizeof(ip), &port);
	snprintf(uri, sizeof(uri), "sip:%s:%u", ip, port);
	r->refs = 1;
	r->trunks = calloc(1, sizeof(*r->trunks));
	r->routes = calloc(1, sizeof(*r->routes));
	if (!r->trunks || !r->routes)
		fuzz_die("routing", -ENOMEM);
	r->n_trunks = 1;
	r->trunks[0].name = fuzz_strdup("callee");
	r->trunks[0].realm = fuzz_strdup("internal");
	r->trunks[0].uri = fuzz_strdup(uri);
	r->n_routes = 1;
	r->routes[0].name = fuzz_strdup("all");
	r->routes[0].targets = calloc(1, sizeof(*r->routes[0].targets));
	if (!r->routes[0].targets)
		fuzz_die("routing", -ENOMEM);
	r->routes[0].targets[0] = &r->trunks[0];
	r->routes[0].n_targets = 1;
	return r;
}

/* One user of the secure realm, alice with password "secret". */
static struct store_creds *fuzz_creds(void)
{
	struct store_creds *c = calloc(1, sizeof(*c));
	char md5[STORE_HA1_SHA256_LEN + 1], sha[STORE_HA1_SHA256_LEN + 1];

	if (!c || !(c->v = calloc(1, sizeof(*c->v))))
		fuzz_die("creds", -ENOMEM);
	if (auth_ha1(AUTH_MD5, "alice", "sbc.test", "secret", md5,
		     sizeof(md5)) < 0 ||
	    auth_ha1(AUTH_SHA256, "alice", "sbc.test", "secret", sha,
		     sizeof(sha)) < 0)
		fuzz_die("auth_ha1", -EINVAL);
	c->refs = 1;
	c->n = 1;
	c->v[0].realm = fuzz_strdup("secure");
	c->v[0].username = fuzz_strdup("alice");
	c->v[0].digest_realm = fuzz_strdup("sbc.test");
	c->v[0].ha1_md5 = fuzz_strdup(md5);
	c->v[0].ha1_sha256 = fuzz_strdup(sha);
	return c;
}

/* Runs the timers until nothing is left: every transaction and call
 * ends (Timer C, the call limit, Timers B, F, H, J, K and D). */
static void fuzz_flush(struct fuzz *f)
{
	for (int i = 0; i < 64 && tmr_heap_count(&f->tmr); i++) {
		f->now += 10 * 60 * 1000;
		tmr_heap_run(&f->tmr, f->now);
	}
	/* Let queued sends complete and drain the sockets. */
	uv_run(&f->loop, UV_RUN_NOWAIT);
}

static void fuzz_on_walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void fuzz_cleanup(void)
{
	struct fuzz *f = fz;

	if (!f)
		return;
	fuzz_flush(f);
	core_free(f->core);
	tsx_layer_free(f->tsx);
	tp_close(f->tp);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	uv_walk(&f->loop, fuzz_on_walk_close, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	uv_loop_close(&f->loop);
	store_routing_unref(f->routing);
	store_creds_unref(f->creds);
	tmr_heap_free(&f->tmr);
	free(f->dgram);
	free(f);
	fz = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct fuzz *f = calloc(1, sizeof(*f));
	struct tsx_cfg tc;
	struct tp_cfg pc;
	struct sockaddr_in *a;
	int rc;

	(void)argc;
	(void)argv;
	if (!f || !(f->dgram = malloc(FUZZ_MAX_DGRAM + 1)))
		fuzz_die("init", -ENOMEM);
	fz = f;
	f->flush_every = FUZZ_FLUSH_EVERY;
	if (getenv("SBC_FUZZ_FLUSH_EVERY"))
		f->flush_every = strtoul(getenv("SBC_FUZZ_FLUSH_EVERY"), NULL,
					 10);
	f->verbose = getenv("SBC_FUZZ_VERBOSE") != NULL;
	if (f->flush_every == 0)
		f->flush_every = 1;
	log_set_level(LOG_LVL_ERR);
	rc = uv_loop_init(&f->loop);
	if (rc < 0)
		fuzz_die("uv_loop_init", rc);
	tmr_heap_init(&f->tmr);
	f->now = 1000;
	tmr_heap_run(&f->tmr, f->now);

	tp_cfg_default(&pc);
	rc = tp_new(&f->loop, &pc, fuzz_on_recv, fuzz_on_tp_error, f, &f->tp);
	if (rc < 0)
		fuzz_die("tp_new", rc);
	for (int s = 0; s < FUZZ_SIDES; s++)
		if ((rc = fuzz_listen(f, (enum fuzz_side)s)) < 0)
			fuzz_die("tp_listen", rc);
	tp_set_sent_cb(f->tp, fuzz_on_sent, f);
	f->callee = f->lsn_addr[FUZZ_INTERNAL];
	tp_addr_fmt((const struct sockaddr *)&f->callee, f->baddr,
		    sizeof(f->baddr));
	a = (struct sockaddr_in *)&f->caller;
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons(9);	/* discard: nobody answers */

	for (int s = 0; s < FUZZ_SIDES; s++)
		f->realms[s] = (struct core_realm){
			.name = fuzz_realm_names[s],
			.auth_realm = s == FUZZ_SECURE ? "sbc.test" : NULL,
			.auth_nonce_s = 300,
		};
	f->cfg = (struct core_cfg){
		.realms = f->realms,
		.n_realms = FUZZ_SIDES,
		.no_route_status = 404,
		.max_call_ms = 60 * 60 * 1000,
		.ack_wait_ms = 64 * 500,
		.avoid_s = 30,
		.limit_status = 503,
		.media_fail_status = 503,
	};
	rc = core_new(&f->cfg, f->tp, &f->tmr, &f->core);
	if (rc < 0)
		fuzz_die("core_new", rc);
	f->routing = fuzz_routing(&f->callee);
	f->creds = fuzz_creds();
	core_set_routing(f->core, f->routing);
	core_set_creds(f->core, f->creds);

	tsx_cfg_default(&tc);
	rc = tsx_layer_new(&tc, &f->tmr, fuzz_send, f->tp, core_tsx_user(),
			   f->core, &f->tsx);
	if (rc < 0)
		fuzz_die("tsx_layer_new", rc);
	core_set_tsx(f->core, f->tsx);
	atexit(fuzz_cleanup);
	return 0;
}

/* Copies a datagram into f->dgram with the placeholders replaced;
 * returns its length. */
static size_t fuzz_subst(struct fuzz *f, const char *p, size_t len)
{
	static const struct {
		const char *word;
		size_t off;
	} w[] = {
		{ "$BRANCH", offsetof(struct fuzz, branch) },
		{ "$CALLID", offsetof(struct fuzz, call_id) },
		{ "$BTAG", offsetof(struct fuzz, btag) },
		{ "$BCSEQ", offsetof(struct fuzz, bcseq) },
		{ "$ATAG", offsetof(struct fuzz, atag) },
		{ "$ABRANCH", offsetof(struct fuzz, abranch) },
		{ "$ACSEQ", offsetof(struct fuzz, acseq) },
		{ "$BADDR", offsetof(struct fuzz, baddr) },
	};
	size_t n = 0;

	for (size_t i = 0; i < len && n < FUZZ_MAX_DGRAM;) {
		size_t k;

		for (k = 0; p[i] == '$' && k < sizeof(w) / sizeof(*w); k++) {
			size_t wl = strlen(w[k].word);

			if (len - i >= wl && memcmp(p + i, w[k].word, wl) == 0)
				break;
		}
		if (p[i] != '$' || k == sizeof(w) / sizeof(*w)) {
			f->dgram[n++] = p[i++];
			continue;
		}
		{
			const char *v = (const char *)f + w[k].off;
			size_t vl = strlen(v);

			if (vl > FUZZ_MAX_DGRAM - n)
				vl = FUZZ_MAX_DGRAM - n;
			memcpy(f->dgram + n, v, vl);
			n += vl;
			i += strlen(w[k].word);
		}
	}
	return n;
}

/* One datagram, as server_on_recv handles it after access control. */
static void fuzz_dgram(struct fuzz *f, const char *p, size_t len)
{
	enum fuzz_side side = FUZZ_EXTERNAL;
	struct tp_src src;
	char *copy;
	size_t n;

	if (len >= 2 && p[0] == 'B' && p[1] == ':') {
		side = FUZZ_INTERNAL;
		p += 2;
		len -= 2;
	} else if (len >= 2 && p[0] == 'U' && p[1] == ':') {
		side = FUZZ_SECURE;
		p += 2;
		len -= 2;
	}
	n = fuzz_subst(f, p, len);
	f->dgram[n] = '\0';
	/* A datagram of only CR and LF is a keep-alive. */
	if (n <= 4 && strspn(f->dgram, "\r\n") >= n)
		return;
	memset(&src, 0, sizeof(src));
	src.proto = TP_UDP;
	src.lsn = f->lsn[side];
	tp_sockaddr_set(&src.peer,
			side == FUZZ_INTERNAL ? &f->callee : &f->caller);
	tp_sockaddr_set(&src.local, &f->lsn_addr[side]);
	/* An exact-size copy, so that ASan sees any read past the end. */
	copy = malloc(n ? n : 1);
	if (!copy)
		abort();
	memcpy(copy, f->dgram, n);
	if (f->verbose)
		fprintf(stderr, "fuzz_input: from %s:\n%.*s\n",
			fuzz_realm_names[side], (int)n, copy);
	f->now += 10;
	tmr_heap_run(&f->tmr, f->now);
	if (sip_msg_parse(&f->in, copy, n, SIP_MSG_DATAGRAM, NULL) == 0)
		tsx_layer_recv(f->tsx, &f->in, &src);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz *f = fz;
	const char *p = (const char *)data, *end = p + size;

	if (size > 16 * FUZZ_MAX_DGRAM)
		return 0;
	/* Each input starts from what it sends itself. */
	f->branch[0] = f->call_id[0] = f->btag[0] = f->bcseq[0] = '\0';
	f->atag[0] = f->abranch[0] = f->acseq[0] = '\0';
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t len = z ? (size_t)(z - p) : (size_t)(end - p);

		if (len <= FUZZ_MAX_DGRAM)
			fuzz_dgram(f, p, len);
		p += len + (z != NULL);
	}
	uv_run(&f->loop, UV_RUN_NOWAIT);
	if (++f->inputs % f->flush_every == 0)
		fuzz_flush(f);
	return 0;
}
