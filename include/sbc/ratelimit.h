/*
 * ratelimit: token buckets and the per-source request limit (layer 5).
 *
 * A token bucket holds at most burst tokens and gains rate tokens per
 * second; every event takes one, and an event that finds the bucket
 * empty is over the limit.  Tokens are counted in thousandths so that
 * the arithmetic stays in integers.
 *
 * The source table keeps one bucket per source IP address, like
 * Kamailio's pike module: a source whose bucket runs dry is banned for
 * ban_ms, and every request it sends during the ban is refused, so that
 * a scanner or a flood costs one lookup per packet.  Memory is bounded:
 * entries idle long enough to carry no information (a full bucket, no
 * ban) are swept lazily, and past max_sources the least recently seen
 * entry is evicted.  Nothing here reads a clock: the caller passes the
 * time in milliseconds (sbcd passes uv_now, the tests their own).
 */
#ifndef SBC_RATELIMIT_H
#define SBC_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ratelimit_bucket {
	uint64_t milli;		/* tokens * 1000 */
	uint64_t last_ms;	/* of the last refill */
	int init;		/* 0: full at its first use */
};

/* Refills b for the time since its last use; then whether it holds a
 * whole token (1) or not (0).  Takes nothing. */
int ratelimit_bucket_peek(struct ratelimit_bucket *b, uint64_t now_ms,
			  unsigned rate, unsigned burst);

/* Refills b and takes one token: 1 when there was one, 0 when the event
 * is over the limit.  rate 0 means no limit (always 1). */
int ratelimit_bucket_take(struct ratelimit_bucket *b, uint64_t now_ms,
			  unsigned rate, unsigned burst);

struct ratelimit_cfg {
	unsigned rate;		/* requests per second; 0: no limit */
	unsigned burst;		/* bucket size; 0: rate */
	unsigned ban_ms;	/* how long a source stays banned */
	size_t max_sources;	/* entries kept at most; 0: a default */
};

#define RATELIMIT_DEFAULT_SOURCES 65536

enum ratelimit_verdict {
	RATELIMIT_PASS = 0,
	RATELIMIT_BAN,		/* over the rate now: a ban starts */
	RATELIMIT_BANNED,	/* banned already */
};

struct ratelimit_stats {
	size_t sources;		/* entries now */
	size_t banned;		/* of those, banned now */
	unsigned long bans;	/* bans started */
	unsigned long evicted;	/* entries dropped for room */
};

struct ratelimit;

/* Copies cfg.  Returns 0 and *out, or -ENOMEM. */
int ratelimit_new(const struct ratelimit_cfg *cfg, struct ratelimit **out);

/* Frees the table; rl may be NULL. */
void ratelimit_free(struct ratelimit *rl);

/*
 * Counts one request from the source address sa (its port aside) at
 * now_ms and says whether it passes.  A table that cannot allocate an
 * entry lets the request pass.
 */
enum ratelimit_verdict ratelimit_source_check(struct ratelimit *rl,
					      const struct sockaddr *sa,
					      uint64_t now_ms);

/* Counters at now_ms; walks the table (at most max_sources entries). */
void ratelimit_stats_get(struct ratelimit *rl, uint64_t now_ms,
			 struct ratelimit_stats *s);

#endif
