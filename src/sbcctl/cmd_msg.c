/*
 * sbcctl msg: checks SIP messages stored in files, the way sbcd would
 * check them on arrival, and optionally reprints them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/buf.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_print.h"
#include "sbcctl.h"

/* Larger than any datagram and than a stream message sbcd would take. */
#define MSG_FILE_MAX (1024 * 1024)

void cmd_msg_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl msg [--print] [--stream] FILE...\n"
		"\n"
		"Parses each FILE (- for standard input) as one SIP message and\n"
		"prints 'FILE: ok' or 'FILE: invalid: REASON'.  Exits 1 if any\n"
		"message is invalid, 2 if a file cannot be read.\n"
		"\n"
		"  -p, --print   write each valid message to standard output as\n"
		"                sbc would reprint it (the status lines then go\n"
		"                to standard error)\n"
		"  -s, --stream  apply the rules of TCP and TLS: Content-Length\n"
		"                is mandatory (default: the rules of UDP)\n");
}

/* Reads a whole file into a malloc'd buffer; 0 or a negative errno. */
static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t n = 0, cap = 4096, k;
	char *p = NULL, *np;
	int rc = 0;

	if (!f)
		return -errno;
	for (;;) {
		np = realloc(p, cap);
		if (!np) {
			rc = -ENOMEM;
			break;
		}
		p = np;
		k = fread(p + n, 1, cap - n, f);
		n += k;
		if (k == 0) {
			if (ferror(f))
				rc = -EIO;
			break;
		}
		if (n > MSG_FILE_MAX) {
			rc = -EFBIG;
			break;
		}
		if (n == cap)
			cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	if (rc) {
		free(p);
		return rc;
	}
	*out = p;
	*len = n;
	return 0;
}

int cmd_msg_run(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "print", no_argument, NULL, 'p' },
		{ "stream", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	enum sip_msg_mode mode = SIP_MSG_DATAGRAM;
	int print = 0, c, status = SBCCTL_OK;
	FILE *report;
	struct sip_msg *m;
	struct buf out;

	(void)o;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ps", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			print = 1;
			break;
		case 's':
			mode = SIP_MSG_STREAM;
			break;
		default:
			cmd_msg_usage(stderr);
			return SBCCTL_ERROR;
		}
	}
	if (optind >= argc) {
		cmd_msg_usage(stderr);
		return SBCCTL_ERROR;
	}
	report = print ? stderr : stdout;
	m = malloc(sizeof(*m));
	if (!m) {
		fprintf(stderr, "sbcctl: out of memory\n");
		return SBCCTL_ERROR;
	}
	buf_init(&out);
	for (int i = optind; i < argc; i++) {
		const char *err = NULL;
		char *data = NULL;
		size_t len = 0;
		int rc = read_all(argv[i], &data, &len);

		if (rc) {
			fprintf(stderr, "%s: error: %s\n", argv[i],
				rc == -EFBIG ? "larger than 1 MiB"
					     : strerror(-rc));
			status = SBCCTL_ERROR;
			continue;
		}
		if (sip_msg_parse(m, data, len, mode, &err)) {
			fprintf(report, "%s: invalid: %s\n", argv[i], err);
			if (status == SBCCTL_OK)
				status = SBCCTL_FAIL;
		} else {
			fprintf(report, "%s: ok\n", argv[i]);
			if (print) {
				buf_reset(&out);
				if (sip_print_msg(&out, m) == 0)
					fwrite(out.p, 1, out.len, stdout);
				else
					status = SBCCTL_ERROR;
			}
		}
		free(data);
	}
	buf_free(&out);
	free(m);
	if (fflush(stdout) != 0)
		status = SBCCTL_ERROR;
	return status;
}
