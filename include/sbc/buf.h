/*
 * buf: a growable output buffer (layer 0).
 *
 * Outgoing messages are printed into one buf in one pass.  Append
 * functions never fail visibly: the first allocation failure sets
 * b->err to -ENOMEM and later appends do nothing, so a caller checks once
 * at the end.  A buf with a fixed backing store (buf_init_fixed) reports
 * -ENOBUFS instead of growing.
 */
#ifndef SBC_BUF_H
#define SBC_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "sbc/str.h"

struct buf {
	char *p;
	size_t len;
	size_t cap;
	int err;
	int fixed;	/* 0: on the heap; BUF_FIXED or BUF_SPILL: in mem */
};

enum { BUF_FIXED = 1, BUF_SPILL = 2 };

void buf_init(struct buf *b);
void buf_init_fixed(struct buf *b, char *mem, size_t cap);
/*
 * A buf that starts in mem, typically an array on the caller's stack,
 * and moves to the heap when it outgrows it.  A message printed and sent
 * in one function then costs no allocation.  buf_free frees only what the
 * buf allocated; mem must outlive the buf's use.
 */
void buf_init_spill(struct buf *b, char *mem, size_t cap);

/* Room for most messages printed into a buf_init_spill buffer. */
#define BUF_STACK 4096
void buf_free(struct buf *b);
void buf_reset(struct buf *b);

/* Makes room for n more bytes; 0 or the sticky error. */
int buf_reserve(struct buf *b, size_t n);

void buf_put(struct buf *b, const void *p, size_t n);
void buf_put_c(struct buf *b, char c);
void buf_put_cstr(struct buf *b, const char *s);
void buf_put_str(struct buf *b, struct str s);
void buf_put_u64(struct buf *b, uint64_t v);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline struct str buf_str(const struct buf *b)
{
	return str_make(b->p, b->len);
}

#endif
