/*
 * sbcd: the session border controller daemon (layer 7).
 *
 * main wires the pieces together: it reads the configuration, opens the
 * database, starts the listeners, and runs the event loop until SIGINT
 * or SIGTERM.  Stopping closes every handle and lets the loop run until
 * they are all released, so nothing is left for the leak checker.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "sbc/config.h"
#include "sbc/log.h"
#include "sbc/mem.h"
#include "sbc/store.h"
#include "server.h"
#include "status.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define SBCD_DEFAULT_CONFIG SYSCONFDIR "/sbc/sbc.conf"

/* Exit codes, as in sbcd(8). */
enum {
	SBCD_EXIT_OK = 0,
	SBCD_EXIT_FAIL = 1,	/* could not start */
	SBCD_EXIT_USAGE = 2,
};

struct sbcd {
	uv_loop_t loop;
	uv_signal_t sig_int;
	uv_signal_t sig_term;
	uv_signal_t sig_hup;
	int n_signals;		/* how many of them are initialised */
	struct config cfg;
	struct store *store;
	struct server *srv;
	struct status *status;	/* the status socket */
	int stopping;
};

static void sbcd_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcd [-c CONFIG] [-f] [-l LEVEL] [-h] [-V]\n"
		"  -c CONFIG  configuration file (default %s)\n"
		"  -f         stay in the foreground\n"
		"  -l LEVEL   log level: error, warning, info or debug;\n"
		"             overrides log_level of the configuration\n"
		"  -h         show this help\n"
		"  -V         show the version\n",
		SBCD_DEFAULT_CONFIG);
}

/* Closes the signal handles; they live in struct sbcd, so no callback. */
static void sbcd_close_signals(struct sbcd *d)
{
	uv_signal_t *sigs[] = { &d->sig_int, &d->sig_term, &d->sig_hup };

	for (int i = 0; i < d->n_signals; i++)
		uv_close((uv_handle_t *)sigs[i], NULL);
	d->n_signals = 0;
}

static void sbcd_on_signal(uv_signal_t *h, int signum)
{
	struct sbcd *d = h->data;

	if (signum == SIGHUP) {
		char err[256];

		/* The database's trunks, routes and ACL, as `sbcctl reload`;
		 * sbc.conf itself is read only at start. */
		log_info("SIGHUP: reloading trunks, routes and ACL entries");
		if (d->srv)
			server_reload(d->srv, err, sizeof(err));
		return;
	}
	if (d->stopping)
		return;
	d->stopping = 1;
	log_info("%s: stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
	/*
	 * Once the listeners and the signal handles are closed nothing is
	 * active, and uv_run returns after their close callbacks ran.
	 */
	status_stop(d->status);
	d->status = NULL;
	server_stop(d->srv);
	d->srv = NULL;
	sbcd_close_signals(d);
}

static void sbcd_on_status(void *arg, const char *line, struct buf *out)
{
	struct sbcd *d = arg;

	server_status(d->srv, line, out);
}

/* The status socket of sbcd(8), where sbcctl asks its questions. */
static int sbcd_status_start(struct sbcd *d)
{
	struct status_cfg sc = {
		.path = d->cfg.status_socket,
		.mode = d->cfg.status_socket_mode,
	};
	char err[512];
	int rc;

	rc = status_start(&d->loop, &sc, sbcd_on_status, d, &d->status, err,
			  sizeof(err));
	if (rc < 0) {
		log_err("status socket: %s", err);
		return rc;
	}
	log_info("status socket %s, mode %04o", sc.path, sc.mode);
	return 0;
}

static int sbcd_signals(struct sbcd *d)
{
	uv_signal_t *sigs[] = { &d->sig_int, &d->sig_term, &d->sig_hup };
	const int nums[] = { SIGINT, SIGTERM, SIGHUP };
	int rc;

	for (int i = 0; i < 3; i++) {
		rc = uv_signal_init(&d->loop, sigs[i]);
		if (rc < 0)
			return rc;
		d->n_signals++;
		sigs[i]->data = d;
		rc = uv_signal_start(sigs[i], sbcd_on_signal, nums[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * Detaches from the terminal.  The parent waits until the child reports
 * that it is listening, or exits, and exits with the same outcome, so
 * "sbcd && echo up" means what it says.  Standard error stays open:
 * sbcd logs there, and the caller redirects it to where logs should go.
 * Returns the write end of the pipe to report readiness on, in the
 * child only.
 */
static int sbcd_daemonize(void)
{
	int fds[2], st, fd;
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe(fds) < 0) {
		log_err("pipe: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		return -errno;
	}
	if (pid > 0) {
		close(fds[1]);
		do
			n = read(fds[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1 && c == '0')
			_exit(SBCD_EXIT_OK);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : SBCD_EXIT_FAIL);
	}
	close(fds[0]);
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return fds[1];
}

static void sbcd_ready(int fd)
{
	ssize_t n;

	if (fd < 0)
		return;
	do
		n = write(fd, "0", 1);
	while (n < 0 && errno == EINTR);
	close(fd);
}

/* Runs the loop until every handle is closed, then closes it. */
static void sbcd_drain(struct sbcd *d)
{
	int rc;

	uv_run(&d->loop, UV_RUN_DEFAULT);
	rc = uv_loop_close(&d->loop);
	if (rc < 0)
		log_err("event loop still busy at exit: %s", uv_strerror(rc));
}

int main(int argc, char **argv)
{
	static struct sbcd d;
	const char *conf_path = SBCD_DEFAULT_CONFIG;
	const char *level_s = NULL;
	enum log_level level = LOG_LVL_INFO;
	char err[512];
	int foreground = 0, ready_fd = -1, opt, rc;

	/* The heap is not handed back to the kernel at every dip, which
	 * glibc does past 128 KiB by default (sbc/mem.h). */
	mem_tune();

	while ((opt = getopt(argc, argv, "c:fl:hV")) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'l':
			level_s = optarg;
			break;
		case 'h':
			sbcd_usage(stdout);
			return SBCD_EXIT_OK;
		case 'V':
			printf("sbcd %s\n", PACKAGE_VERSION);
			return SBCD_EXIT_OK;
		default:
			sbcd_usage(stderr);
			return SBCD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sbcd: unexpected argument '%s'\n",
			argv[optind]);
		sbcd_usage(stderr);
		return SBCD_EXIT_USAGE;
	}
	if (level_s != NULL) {
		if (log_level_parse(level_s, &level) < 0) {
			fprintf(stderr,
				"sbcd: bad log level '%s' (expected error, "
				"warning, info or debug)\n",
				level_s);
			return SBCD_EXIT_USAGE;
		}
		log_set_level(level);
	}

	/* Before anything is allocated, so the parent has nothing to free. */
	if (!foreground) {
		ready_fd = sbcd_daemonize();
		if (ready_fd < 0)
			return SBCD_EXIT_FAIL;
	}

	rc = config_load(&d.cfg, conf_path, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		return SBCD_EXIT_FAIL;
	}
	log_set_level(level_s != NULL ? level : d.cfg.log_level);
	log_info("sbcd %s starting with %s", PACKAGE_VERSION, conf_path);

	rc = store_open(d.cfg.database, &d.store, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		config_free(&d.cfg);
		return SBCD_EXIT_FAIL;
	}
	log_info("database %s, schema version %d", d.cfg.database,
		 store_schema_version(d.store));

	rc = uv_loop_init(&d.loop);
	if (rc < 0) {
		log_err("cannot create the event loop: %s", uv_strerror(rc));
		store_close(d.store);
		config_free(&d.cfg);
		return SBCD_EXIT_FAIL;
	}
	rc = sbcd_signals(&d);
	if (rc < 0)
		log_err("cannot catch signals: %s", uv_strerror(rc));
	else
		rc = server_start(&d.loop, &d.cfg, d.store, &d.srv);
	if (rc == 0)
		rc = sbcd_status_start(&d);
	if (rc < 0) {
		status_stop(d.status);
		server_stop(d.srv);
		sbcd_close_signals(&d);
		sbcd_drain(&d);
		store_close(d.store);
		config_free(&d.cfg);
		return SBCD_EXIT_FAIL;
	}

	log_info("ready: %zu listener%s", d.cfg.n_listeners,
		 d.cfg.n_listeners == 1 ? "" : "s");
	sbcd_ready(ready_fd);
	sbcd_drain(&d);

	store_close(d.store);
	config_free(&d.cfg);
	log_info("stopped");
	return SBCD_EXIT_OK;
}
