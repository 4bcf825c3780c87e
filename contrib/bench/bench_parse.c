/*
 * bench_parse: nanoseconds per message for sip_msg_parse and
 * sip_print_msg on two reference messages (a typical INVITE with SDP, and
 * the Expressway 200 OK with 7 Via and 5 Record-Route).
 *
 *   bench_parse [DATADIR [ITERATIONS [ROUNDS]]]
 *
 * DATADIR holds invite-sdp.sip and seed-200.sip (default t/data/valid).
 * Each figure is the median of ROUNDS rounds (default 15) of ITERATIONS
 * messages (default 20000).  A benchmark, not a test: it prints figures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "sbc/buf.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_print.h"

static const struct {
	const char *file;
	const char *what;
} msgs[] = {
	{ "invite-sdp.sip", "INVITE with SDP" },
	{ "seed-200.sip", "200 OK, 7 Via, 5 Record-Route" },
};

#define N_MSGS (sizeof(msgs) / sizeof(msgs[0]))

/* Keeps the compiler from dropping the measured work. */
static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char *load(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		fclose(f);
		return NULL;
	}
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double bench_parse(const char *p, size_t len, unsigned iters,
			  unsigned rounds)
{
	static struct sip_msg m;
	double *r = calloc(rounds, sizeof(*r)), med;
	const char *err;
	unsigned i, k;

	if (!r)
		exit(1);
	for (k = 0; k < rounds; k++) {
		uint64_t t0 = now_ns(), acc = 0;

		for (i = 0; i < iters; i++) {
			sip_msg_parse(&m, p, len, SIP_MSG_DATAGRAM, &err);
			acc += m.n_hdr;
		}
		r[k] = (double)(now_ns() - t0) / iters;
		sink += acc;
	}
	med = median(r, rounds);
	free(r);
	return med;
}

static double bench_print(const struct sip_msg *m, unsigned iters,
			  unsigned rounds)
{
	double *r = calloc(rounds, sizeof(*r)), med;
	struct buf b;
	unsigned i, k;

	if (!r)
		exit(1);
	buf_init(&b);
	for (k = 0; k < rounds; k++) {
		uint64_t t0 = now_ns(), acc = 0;

		for (i = 0; i < iters; i++) {
			buf_reset(&b);
			sip_print_msg(&b, m);
			acc += b.len;
		}
		r[k] = (double)(now_ns() - t0) / iters;
		sink += acc;
	}
	buf_free(&b);
	med = median(r, rounds);
	free(r);
	return med;
}

static void cpu_model(char *out, size_t n)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(out, n, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (c && (strncmp(line, "model name", 10) == 0 ||
			  strncmp(line, "Model", 5) == 0 ||
			  strncmp(line, "cpu model", 9) == 0)) {
			c++;
			while (*c == ' ' || *c == '\t')
				c++;
			c[strcspn(c, "\n")] = '\0';
			snprintf(out, n, "%s", c);
			break;
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "t/data/valid";
	unsigned iters = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 20000;
	unsigned rounds = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 15;
	char cpu[256], date[64];
	struct utsname un;
	time_t t = time(NULL);
	size_t i;

	if (iters == 0 || rounds == 0) {
		fprintf(stderr, "usage: %s [DATADIR [ITERATIONS [ROUNDS]]]\n",
			argv[0]);
		return 2;
	}
	cpu_model(cpu, sizeof(cpu));
	if (uname(&un) != 0)
		snprintf(un.machine, sizeof(un.machine), "unknown");
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&t));

	printf("sbc SIP parser benchmark\n\n");
	printf("machine:  %s, %s\n", un.machine, cpu);
#if defined(__clang__)
	printf("compiler: clang %s", __clang_version__);
#elif defined(__GNUC__)
	printf("compiler: gcc %s", __VERSION__);
#else
	printf("compiler: %s", __VERSION__);
#endif
#ifdef __OPTIMIZE__
	printf(", optimized");
#else
	printf(", NOT optimized (figures are meaningless)");
#endif
#if defined(__SANITIZE_ADDRESS__)
	printf(", AddressSanitizer on (figures are meaningless)");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	printf(", AddressSanitizer on (figures are meaningless)");
#endif
#endif
	printf("\ndate:     %s\n", date);
	printf("method:   median of %u rounds of %u messages, one core, "
	       "datagram mode\n\n", rounds, iters);
	printf("| message | bytes | headers | parse ns/msg | print ns/msg |\n");
	printf("|---|---:|---:|---:|---:|\n");

	for (i = 0; i < N_MSGS; i++) {
		static struct sip_msg m;
		const char *err = NULL;
		size_t len;
		char *p = load(dir, msgs[i].file, &len);
		double parse, print;

		if (!p)
			return 1;
		if (sip_msg_parse(&m, p, len, SIP_MSG_DATAGRAM, &err) != 0) {
			fprintf(stderr, "%s: does not parse: %s\n", msgs[i].file,
				err ? err : "?");
			free(p);
			return 1;
		}
		/* Warm the caches and the branch predictors. */
		bench_parse(p, len, iters / 10 + 1, 1);
		parse = bench_parse(p, len, iters, rounds);
		print = bench_print(&m, iters, rounds);
		printf("| %s (%s) | %zu | %u | %.0f | %.0f |\n", msgs[i].what,
		       msgs[i].file, len, m.n_hdr, parse, print);
		free(p);
	}
	return 0;
}
