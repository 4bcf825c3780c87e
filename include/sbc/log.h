/*
 * log: leveled logging to stderr or syslog (layer 0).
 */
#ifndef SBC_LOG_H
#define SBC_LOG_H

#include <stdint.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* Parses "error", "warning", "info" or "debug"; -EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *lvl);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A log line that an attacker can provoke at will (a refused request)
 * goes through a struct log_limit, one per cause: at most
 * LOG_LIMIT_LINES lines per LOG_LIMIT_WINDOW_MS, then silence, and the
 * first line of a later window says how many were suppressed.  So a
 * flood costs the log a few lines every ten seconds.
 */
#define LOG_LIMIT_LINES 5
#define LOG_LIMIT_WINDOW_MS 10000

struct log_limit {
	uint64_t start_ms;		/* of the current window */
	unsigned lines;			/* logged in it */
	unsigned long suppressed;	/* not logged in it */
	int started;
};

void log_limited(struct log_limit *l, enum log_level lvl, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)                                                 \
	do {                                                           \
		if (log_get_level() >= LOG_LVL_DEBUG)                  \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__);           \
	} while (0)

#endif
