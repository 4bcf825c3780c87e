#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sbc/log.h"

static enum log_level cur_level = LOG_LVL_INFO;

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

int log_level_parse(const char *s, enum log_level *lvl)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(*level_names);
	     i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*lvl = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s: ", stamp, ts.tv_nsec / 1000000L,
		level_names[lvl]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > cur_level)
		return;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

/* The monotonic clock in ms: a wall-clock step must not open the gate. */
static uint64_t log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void log_limited(struct log_limit *l, enum log_level lvl, const char *fmt,
		 ...)
{
	uint64_t now = log_now_ms();
	va_list ap;

	if (lvl > cur_level)
		return;
	if (!l->started || now - l->start_ms >= LOG_LIMIT_WINDOW_MS) {
		if (l->suppressed)
			log_msg(lvl, "%lu similar messages suppressed in %u s",
				l->suppressed, LOG_LIMIT_WINDOW_MS / 1000);
		l->started = 1;
		l->start_ms = now;
		l->lines = 0;
		l->suppressed = 0;
	}
	if (l->lines >= LOG_LIMIT_LINES) {
		l->suppressed++;
		return;
	}
	l->lines++;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}
