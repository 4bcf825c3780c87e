/*
 * server_status: the commands of the status socket (layer 7).
 *
 * Every answer is one JSON object (RFC 8259) with "ok" first: true and
 * the command's members, or false and "error".  The counters are read
 * from each layer's stats function at the time of the command, so the
 * answer is a snapshot of one moment of the event loop.  sbcd(8), STATUS
 * SOCKET, documents every member.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "sbc/buf.h"
#include "sbc/core.h"
#include "sbc/dns.h"
#include "sbc/json.h"
#include "sbc/msgstat.h"
#include "sbc/store.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"
#include "server_int.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

struct server_status_cmd {
	const char *name;
	const char *help;
	/* Appends members; or returns a negative errno with a message. */
	int (*run)(struct server *s, struct buf *b, char *why, size_t n);
};

/* An ISO 8601 UTC time for a Unix time in milliseconds. */
static void server_status_time(struct buf *b, const char *key, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	if (ms <= 0 || !gmtime_r(&t, &tm) ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		json_put_key(b, key, 0);
		buf_put_cstr(b, "null");
		return;
	}
	json_member_str(b, key, s);
}

static void server_status_bool(struct buf *b, const char *key, int v)
{
	json_put_key(b, key, 0);
	buf_put_cstr(b, v ? "true" : "false");
}

static void server_on_sent(void *arg, const struct tp_dest *d, const void *p,
			   size_t len)
{
	struct server *s = arg;

	(void)d;
	msgstat_count_raw(&s->msgs.out, p, len);
}

void server_status_init(struct server *s)
{
	s->started_ms = store_now_ms();
	s->started_ns = uv_hrtime();
	tp_set_sent_cb(s->tp, server_on_sent, s);
}

static uint64_t server_status_uptime(const struct server *s)
{
	return (uv_hrtime() - s->started_ns) / 1000000000u;
}

static int server_status_cmd_status(struct server *s, struct buf *b,
				    char *why, size_t n)
{
	struct core_stats cs = { 0 };

	(void)why;
	(void)n;
	if (s->core)
		core_stats_get(s->core, &cs);
	json_member_str(b, "version", PACKAGE_VERSION);
	json_member_i64(b, "pid", (int64_t)getpid());
	server_status_time(b, "started", s->started_ms);
	json_member_i64(b, "started_ms", s->started_ms);
	json_member_u64(b, "uptime_s", server_status_uptime(s));
	json_member_u64(b, "listeners", s->cfg->n_listeners);
	json_member_str(b, "database", s->cfg->database);
	json_member_u64(b, "calls_active", cs.calls_active);
	return 0;
}

/* ,"key":{"udp":n,"tcp":n,"tls":n} */
static void server_status_by_proto(struct buf *b, const char *key,
				   const unsigned long *v, int first)
{
	static const char *names[TP_PROTO_COUNT] = { "udp", "tcp", "tls" };

	json_put_key(b, key, first);
	buf_put_c(b, '{');
	for (int i = 0; i < TP_PROTO_COUNT; i++) {
		json_put_key(b, names[i], i == 0);
		buf_put_u64(b, v[i]);
	}
	buf_put_c(b, '}');
}

static void server_status_transport(const struct server *s, struct buf *b)
{
	struct tp_stats ps;

	tp_stats_get(s->tp, &ps);
	buf_put_c(b, '{');
	server_status_by_proto(b, "messages_in", ps.msgs_in, 1);
	server_status_by_proto(b, "messages_out", ps.msgs_out, 0);
	server_status_by_proto(b, "bytes_in", ps.bytes_in, 0);
	server_status_by_proto(b, "bytes_out", ps.bytes_out, 0);
	json_member_u64(b, "send_errors", ps.send_errors);
	json_member_u64(b, "framing_errors", ps.framing_errors);
	json_member_u64(b, "pings", ps.pings);
	json_member_u64(b, "conns_open", ps.conns_open);
	json_member_u64(b, "conns_accepted", ps.conns_accepted);
	json_member_u64(b, "conns_connected", ps.conns_connected);
	json_member_u64(b, "conns_refused", ps.conns_refused);
	json_member_u64(b, "conns_idle_closed", ps.conns_idle_closed);
	json_member_u64(b, "tls_failures", ps.tls_failures);
	buf_put_c(b, '}');
}

static void server_status_tsx(const struct server *s, struct buf *b)
{
	struct tsx_stats ts;

	tsx_layer_stats(s->tsx, &ts);
	buf_put_cstr(b, "{\"clients\":");
	buf_put_u64(b, ts.clients);
	json_member_u64(b, "servers", ts.servers);
	json_member_u64(b, "created", ts.created);
	json_member_u64(b, "retransmits", ts.retransmits);
	json_member_u64(b, "absorbed", ts.absorbed);
	json_member_u64(b, "timeouts", ts.timeouts);
	json_member_u64(b, "transport_errors", ts.transport_errors);
	json_member_u64(b, "merged", ts.merged);
	json_member_u64(b, "stray", ts.stray);
	buf_put_c(b, '}');
}

static void server_status_calls_stats(const struct server *s, struct buf *b)
{
	struct core_stats cs;

	core_stats_get(s->core, &cs);
	buf_put_cstr(b, "{\"active\":");
	buf_put_u64(b, cs.calls_active);
	json_member_u64(b, "total", cs.calls_total);
	json_member_u64(b, "answered", cs.calls_answered);
	json_member_u64(b, "failed", cs.calls_failed);
	json_member_u64(b, "no_route", cs.no_route);
	json_member_u64(b, "failovers", cs.failovers);
	json_member_u64(b, "relayed", cs.relayed);
	json_member_u64(b, "local", cs.local);
	json_member_u64(b, "acks_absorbed", cs.acks_absorbed);
	json_member_u64(b, "restored", cs.restored);
	json_member_u64(b, "store_errors", cs.store_errors);
	buf_put_cstr(b, ",\"failures\":{\"rejected\":");
	buf_put_u64(b, cs.fail_rejected);
	json_member_u64(b, "cancelled", cs.fail_cancelled);
	json_member_u64(b, "timeout", cs.fail_timeout);
	json_member_u64(b, "unreachable", cs.fail_unreachable);
	json_member_u64(b, "no_route", cs.no_route);
	json_member_u64(b, "no_ack", cs.ended_no_ack);
	json_member_u64(b, "max_duration", cs.ended_max_duration);
	buf_put_cstr(b, "}}");
}

/* Digest authentication (RFC 3261 22): what the 401s were for. */
static void server_status_auth(const struct server *s, struct buf *b)
{
	struct core_stats cs;

	core_stats_get(s->core, &cs);
	buf_put_cstr(b, "{\"challenges\":");
	buf_put_u64(b, cs.auth_challenges);
	json_member_u64(b, "auth_ok", cs.auth_ok);
	json_member_u64(b, "auth_failed", cs.auth_failed);
	json_member_u64(b, "stale_nonce", cs.auth_stale);
	buf_put_c(b, '}');
}

/* Media anchoring: the core's counters and each rtpengine's state; null
 * without an [rtpengine] section. */
static void server_status_media(const struct server *s, struct buf *b)
{
	struct core_stats cs;
	struct rtpe_stats rs;

	if (!s->rtpe) {
		buf_put_cstr(b, "null");
		return;
	}
	core_stats_get(s->core, &cs);
	rtpe_stats_get(s->rtpe, &rs);
	buf_put_cstr(b, "{\"anchored\":");
	buf_put_u64(b, cs.media_anchored);
	json_member_u64(b, "offers", cs.media_offers);
	json_member_u64(b, "answers", cs.media_answers);
	json_member_u64(b, "deletes", cs.media_deletes);
	json_member_u64(b, "failures", cs.media_failures);
	json_member_u64(b, "delete_failures", cs.media_delete_failures);
	json_member_u64(b, "refused", cs.media_refused);
	json_member_u64(b, "unanchored", cs.media_unanchored);
	json_member_u64(b, "requests", rs.requests);
	json_member_u64(b, "retransmits", rs.retransmits);
	json_member_u64(b, "timeouts", rs.timeouts);
	json_member_u64(b, "errors", rs.errors);
	json_member_u64(b, "failovers", rs.failovers);
	buf_put_cstr(b, ",\"rtpengines\":[");
	for (size_t i = 0; i < rtpe_count(s->rtpe); i++) {
		buf_put_cstr(b, i ? ",{\"name\":" : "{\"name\":");
		json_put_str(b, rtpe_name(s->rtpe, (int)i));
		server_status_bool(b, "up", rtpe_up(s->rtpe, (int)i));
		buf_put_c(b, '}');
	}
	buf_put_cstr(b, "]}");
}

/* null without a resolver: sbcd then routes to IP addresses only. */
static void server_status_dns(const struct server *s, struct buf *b)
{
	struct dns_stats ds;

	if (!s->dns) {
		buf_put_cstr(b, "null");
		return;
	}
	dns_stats_get(s->dns, &ds);
	buf_put_cstr(b, "{\"resolutions\":");
	buf_put_u64(b, ds.resolutions);
	json_member_u64(b, "queries", ds.queries);
	json_member_u64(b, "cache_hits", ds.cache_hits);
	json_member_u64(b, "negative_hits", ds.neg_hits);
	json_member_u64(b, "merged", ds.merged);
	json_member_u64(b, "failures", ds.failures);
	json_member_u64(b, "timeouts", ds.timeouts);
	json_member_u64(b, "tcp", ds.tcp);
	json_member_u64(b, "cache_entries", ds.cache_entries);
	buf_put_c(b, '}');
}

/* null without a writer thread. */
static void server_status_store(struct store_writer *w, struct buf *b)
{
	struct store_writer_stats ws;

	if (!w) {
		buf_put_cstr(b, "null");
		return;
	}
	store_writer_stats(w, &ws);
	buf_put_cstr(b, "{\"queued\":");
	buf_put_u64(b, ws.queued);
	json_member_u64(b, "queued_max", ws.queued_max);
	json_member_u64(b, "written", ws.written);
	json_member_u64(b, "coalesced", ws.coalesced);
	json_member_u64(b, "batches", ws.batches);
	json_member_u64(b, "errors", ws.errors);
	json_member_u64(b, "dropped", ws.dropped);
	json_member_u64(b, "last_batch_us", ws.last_batch_us);
	json_member_u64(b, "max_batch_us", ws.max_batch_us);
	json_member_u64(b, "max_push_us", ws.max_push_us);
	buf_put_c(b, '}');
}

static int server_status_cmd_stats(struct server *s, struct buf *b,
				    char *why, size_t n)
{
	(void)why;
	(void)n;
	json_member_u64(b, "uptime_s", server_status_uptime(s));
	buf_put_cstr(b, ",\"messages\":{\"in\":");
	msgstat_json(&s->msgs.in, b);
	buf_put_cstr(b, ",\"out\":");
	msgstat_json(&s->msgs.out, b);
	json_member_u64(b, "bad", s->stats.bad);
	json_member_u64(b, "bad_answered", s->stats.bad_answered);
	json_member_u64(b, "send_errors", s->stats.send_errors);
	buf_put_cstr(b, "},\"transactions\":");
	server_status_tsx(s, b);
	buf_put_cstr(b, ",\"transport\":");
	server_status_transport(s, b);
	buf_put_cstr(b, ",\"calls\":");
	server_status_calls_stats(s, b);
	buf_put_cstr(b, ",\"auth\":");
	server_status_auth(s, b);
	buf_put_cstr(b, ",\"dns\":");
	server_status_dns(s, b);
	buf_put_cstr(b, ",\"media\":");
	server_status_media(s, b);
	buf_put_cstr(b, ",\"store\":");
	server_status_store(s->writer, b);
	buf_put_cstr(b, ",\"refused\":");
	server_edge_json(s, b);
	buf_put_cstr(b, ",\"loop\":{\"iterations\":");
	buf_put_u64(b, s->loop_iterations);
	json_member_u64(b, "max_stall_us", s->loop_max_ns / 1000);
	json_member_u64(b, "stalls_over_1ms", s->loop_over_1ms);
	json_member_u64(b, "max_stall_cpu_us", s->loop_max_cpu_ns / 1000);
	json_member_u64(b, "cpu_stalls_over_1ms", s->loop_cpu_over_1ms);
	buf_put_c(b, '}');
	return 0;
}

struct server_status_calls {
	struct buf *b;
	int64_t now_ms;
	unsigned long n;
};

static void server_status_on_call(void *arg, const struct core_call_info *i)
{
	struct server_status_calls *k = arg;
	struct buf *b = k->b;
	int64_t age = k->now_ms - i->started_ms;

	if (k->n++ > 0)
		buf_put_c(b, ',');
	buf_put_cstr(b, "{\"id\":");
	json_put_str(b, i->id);
	json_member_str(b, "state", i->state);
	json_member_str(b, "caller", i->caller);
	json_member_str(b, "callee", i->callee);
	json_member_str(b, "route", i->route);
	json_member_str(b, "from_realm", i->from_realm);
	json_member_str(b, "to_realm", i->to_realm);
	json_member_str(b, "trunk", i->to_trunk);
	json_member_str(b, "a_call_id", i->a_call_id);
	json_member_str(b, "b_call_id", i->b_call_id);
	server_status_time(b, "started", i->started_ms);
	json_member_i64(b, "started_ms", i->started_ms);
	json_member_i64(b, "answered_ms", i->answered_ms);
	json_member_i64(b, "age_s", age > 0 ? age / 1000 : 0);
	server_status_bool(b, "restored", i->restored);
	json_member_str(b, "media", i->media);
	buf_put_c(b, '}');
}

static int server_status_cmd_calls(struct server *s, struct buf *b,
				    char *why, size_t n)
{
	struct server_status_calls k = {
		.b = b,
		.now_ms = store_now_ms(),
	};

	(void)why;
	(void)n;
	buf_put_cstr(b, ",\"calls\":[");
	core_calls_foreach(s->core, server_status_on_call, &k);
	buf_put_c(b, ']');
	json_member_u64(b, "count", k.n);
	return 0;
}

static int server_status_cmd_reload(struct server *s, struct buf *b,
				    char *why, size_t n)
{
	int rc;

	(void)b;
	why[0] = '\0';
	rc = server_reload(s, why, n);
	if (rc < 0 && why[0] == '\0')
		snprintf(why, n, "%s", strerror(-rc));
	return rc;
}

static int server_status_cmd_help(struct server *s, struct buf *b,
				    char *why, size_t n);

static const struct server_status_cmd server_status_cmds[] = {
	{ "status", "version, pid, start time and uptime",
	  server_status_cmd_status },
	{ "stats", "every counter: messages, transactions, transport, calls, "
		   "dns, store",
	  server_status_cmd_stats },
	{ "calls", "the live calls", server_status_cmd_calls },
	{ "reload", "read trunks, routes and ACLs from the database again",
	  server_status_cmd_reload },
	{ "help", "the commands", server_status_cmd_help },
};

#define SERVER_STATUS_NCMDS \
	(sizeof(server_status_cmds) / sizeof(*server_status_cmds))

static int server_status_cmd_help(struct server *s, struct buf *b,
				    char *why, size_t n)
{
	(void)s;
	(void)why;
	(void)n;
	buf_put_cstr(b, ",\"commands\":{");
	for (size_t i = 0; i < SERVER_STATUS_NCMDS; i++) {
		json_put_key(b, server_status_cmds[i].name, i == 0);
		json_put_str(b, server_status_cmds[i].help);
	}
	buf_put_c(b, '}');
	return 0;
}

void server_status(struct server *s, const char *line, struct buf *out)
{
	size_t n = strcspn(line, " \t"), start = out->len;
	char why[256];

	snprintf(why, sizeof(why), "unknown command '%.*s'",
		 n > 64 ? 64 : (int)n, line);
	for (size_t i = 0; i < SERVER_STATUS_NCMDS; i++) {
		const struct server_status_cmd *c = &server_status_cmds[i];

		if (strlen(c->name) != n || strncmp(line, c->name, n) != 0)
			continue;
		if (line[n] != '\0') {
			snprintf(why, sizeof(why), "'%s' takes no argument",
				 c->name);
			break;
		}
		buf_put_cstr(out, "{\"ok\":true");
		if (c->run(s, out, why, sizeof(why)) == 0) {
			buf_put_c(out, '}');
			return;
		}
		/* Whatever the command wrote gives way to the error. */
		out->len = start;
		break;
	}
	buf_put_cstr(out, "{\"ok\":false");
	json_member_str(out, "error", why);
	buf_put_c(out, '}');
}
