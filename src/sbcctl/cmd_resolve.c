/*
 * sbcctl resolve: finds the next hops of a SIP URI the way sbcd does
 * (RFC 3263 with RFC 7984), and prints every step of the way.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/dns.h"
#include "sbc/json.h"
#include "sbcctl.h"

void cmd_resolve_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl resolve [--server IP[:PORT]]... [--transports "
		"LIST]\n"
		"                      [--prefer ipv4|ipv6] [--seed N] [--json] "
		"URI\n"
		"\n"
		"Resolves a SIP or SIPS URI into the ordered list of next hops\n"
		"(RFC 3263: NAPTR, SRV, A and AAAA) and prints each step,\n"
		"then one line per target: rank, transport, address:port,\n"
		"host, SRV priority and weight, TTL.  Exits 0 with targets,\n"
		"1 without, 2 on a usage error.\n"
		"\n"
		"  -s, --server IP[:PORT]  DNS server to ask (repeatable;\n"
		"                          default: /etc/resolv.conf)\n"
		"  -t, --transports LIST   transports to consider, of\n"
		"                          udp,tcp,tls (default: all three)\n"
		"  -p, --prefer FAMILY     ipv6 (default) or ipv4 first\n"
		"  -S, --seed N            fixed seed for the SRV weighted\n"
		"                          choice (default: random)\n"
		"  -j, --json              one JSON object on standard output\n");
}

struct resolve_ctx {
	int json;
	int done;
	int err;
	char **trace;
	size_t ntrace;
	struct dns_target *t;
	size_t n;
};

static void on_trace(const char *line, void *arg)
{
	struct resolve_ctx *c = arg;
	char **v;

	if (!c->json) {
		printf("; %s\n", line);
		return;
	}
	v = realloc(c->trace, (c->ntrace + 1) * sizeof(*v));
	if (!v)
		return;
	c->trace = v;
	if ((v[c->ntrace] = strdup(line)))
		c->ntrace++;
}

static void on_done(int err, const struct dns_target *t, size_t n,
		    void *arg)
{
	struct resolve_ctx *c = arg;

	c->done = 1;
	c->err = err;
	if (n && (c->t = malloc(n * sizeof(*t)))) {
		memcpy(c->t, t, n * sizeof(*t));
		c->n = n;
	}
}

static void target_addr(const struct dns_target *t, char *dst, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (t->addr.ss_family == AF_INET) {
		inet_ntop(AF_INET,
			  &((const struct sockaddr_in *)&t->addr)->sin_addr, a,
			  sizeof(a));
		snprintf(dst, n, "%s", a);
	} else {
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)&t->addr)->sin6_addr,
			  a, sizeof(a));
		snprintf(dst, n, "%s", a);
	}
}

static void print_text(const struct resolve_ctx *c)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < c->n; i++) {
		const struct dns_target *t = &c->t[i];

		target_addr(t, a, sizeof(a));
		printf(t->addr.ss_family == AF_INET6 ?
			       "%zu %s [%s]:%u %s priority %u weight %u "
			       "ttl %u\n" :
			       "%zu %s %s:%u %s priority %u weight %u ttl %u\n",
		       i + 1, dns_tp_name(t->tp), a, t->port, t->host,
		       t->priority, t->weight, (unsigned)t->ttl);
	}
}

static void print_json(const struct resolve_ctx *c, const char *uri)
{
	char a[INET6_ADDRSTRLEN];

	printf("{\"uri\":");
	json_fput_str(stdout, uri);
	printf(",\"error\":");
	if (c->err)
		json_fput_str(stdout, strerror(-c->err));
	else
		printf("null");
	printf(",\"trace\":[");
	for (size_t i = 0; i < c->ntrace; i++) {
		if (i)
			putchar(',');
		json_fput_str(stdout, c->trace[i]);
	}
	printf("],\"targets\":[");
	for (size_t i = 0; i < c->n; i++) {
		const struct dns_target *t = &c->t[i];

		target_addr(t, a, sizeof(a));
		printf("%s{\"transport\":\"%s\",\"address\":\"%s\","
		       "\"port\":%u,\"host\":",
		       i ? "," : "", dns_tp_name(t->tp), a, t->port);
		json_fput_str(stdout, t->host);
		printf(",\"priority\":%u,\"weight\":%u,\"ttl\":%u}",
		       t->priority, t->weight, (unsigned)t->ttl);
	}
	printf("]}\n");
}

int cmd_resolve_run(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "transports", required_argument, NULL, 't' },
		{ "prefer", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *servers[DNS_MAX_SERVERS + 1] = { NULL };
	struct resolve_ctx ctx = { .json = o->json };
	struct dns_cfg cfg = { .servers = servers };
	unsigned mask = DNS_TP_ALL, nsrv = 0;
	struct dns *dns;
	uv_loop_t loop;
	char *end;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:t:p:S:j", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (nsrv == DNS_MAX_SERVERS) {
				fprintf(stderr, "sbcctl resolve: at most %d "
					"servers\n", DNS_MAX_SERVERS);
				return SBCCTL_ERROR;
			}
			servers[nsrv++] = optarg;
			break;
		case 't':
			if (dns_tp_mask_parse(optarg, &mask)) {
				fprintf(stderr, "sbcctl resolve: bad transport "
					"list '%s'\n", optarg);
				return SBCCTL_ERROR;
			}
			break;
		case 'p':
			if (!strcmp(optarg, "ipv4")) {
				cfg.af_pref = DNS_AF_PREFER_V4;
			} else if (!strcmp(optarg, "ipv6")) {
				cfg.af_pref = DNS_AF_PREFER_V6;
			} else {
				cmd_resolve_usage(stderr);
				return SBCCTL_ERROR;
			}
			break;
		case 'S':
			cfg.seed = strtoull(optarg, &end, 0);
			if (!*optarg || *end) {
				cmd_resolve_usage(stderr);
				return SBCCTL_ERROR;
			}
			break;
		case 'j':
			ctx.json = 1;
			break;
		default:
			cmd_resolve_usage(stderr);
			return SBCCTL_ERROR;
		}
	}
	if (optind != argc - 1) {
		cmd_resolve_usage(stderr);
		return SBCCTL_ERROR;
	}
	cfg.trace = on_trace;
	cfg.trace_arg = &ctx;
	if (uv_loop_init(&loop) != 0) {
		fprintf(stderr, "sbcctl resolve: cannot start an event loop\n");
		return SBCCTL_ERROR;
	}
	rc = dns_new(&loop, &cfg, &dns);
	if (rc) {
		fprintf(stderr, "sbcctl resolve: %s\n",
			rc == -EINVAL ? "bad server address" :
			rc == -ENOENT ? "no DNS server configured" :
					strerror(-rc));
		uv_loop_close(&loop);
		return SBCCTL_ERROR;
	}
	rc = dns_sip_resolve(dns, argv[optind], mask, on_done, &ctx, NULL);
	if (rc == 0)
		uv_run(&loop, UV_RUN_DEFAULT);
	dns_close(dns);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	if (rc) {
		fprintf(stderr, "sbcctl resolve: %s: %s\n", argv[optind],
			rc == -EINVAL ? "not a sip: or sips: URI" :
					strerror(-rc));
		return SBCCTL_ERROR;
	}
	if (ctx.json)
		print_json(&ctx, argv[optind]);
	else
		print_text(&ctx);
	if (!ctx.json && ctx.err)
		fprintf(stderr, "sbcctl resolve: %s: no targets: %s\n",
			argv[optind], strerror(-ctx.err));
	for (size_t i = 0; i < ctx.ntrace; i++)
		free(ctx.trace[i]);
	free(ctx.trace);
	free(ctx.t);
	if (fflush(stdout) != 0)
		return SBCCTL_ERROR;
	return ctx.n ? SBCCTL_OK : SBCCTL_FAIL;
}
