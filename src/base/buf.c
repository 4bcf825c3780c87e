#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sbc/buf.h"

void buf_init(struct buf *b)
{
	*b = (struct buf){ 0 };
}

void buf_init_fixed(struct buf *b, char *mem, size_t cap)
{
	*b = (struct buf){ .p = mem, .cap = cap, .fixed = BUF_FIXED };
}

void buf_init_spill(struct buf *b, char *mem, size_t cap)
{
	*b = (struct buf){ .p = mem, .cap = cap, .fixed = BUF_SPILL };
}

void buf_free(struct buf *b)
{
	if (!b->fixed)
		free(b->p);
	*b = (struct buf){ 0 };
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
}

int buf_reserve(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->err)
		return b->err;
	if (b->cap - b->len >= n)
		return 0;
	if (b->fixed == BUF_FIXED || n > SIZE_MAX / 2 - b->len) {
		b->err = b->fixed == BUF_FIXED ? -ENOBUFS : -ENOMEM;
		return b->err;
	}
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	if (b->fixed == BUF_SPILL) {
		/* Out of the caller's memory onto the heap. */
		p = malloc(cap);
		if (p && b->len)
			memcpy(p, b->p, b->len);
	} else {
		p = realloc(b->p, cap);
	}
	if (!p) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->fixed = 0;
	b->p = p;
	b->cap = cap;
	return 0;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	if (n == 0 || buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void buf_put_c(struct buf *b, char c)
{
	if (buf_reserve(b, 1))
		return;
	b->p[b->len++] = c;
}

void buf_put_cstr(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_put_str(struct buf *b, struct str s)
{
	buf_put(b, s.p, s.len);
}

void buf_put_u64(struct buf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_put(b, tmp + i, sizeof(tmp) - i);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	size_t room = b->cap - b->len;
	va_list ap;
	int n;

	if (b->err)
		return;
	/* Printed once where it most often fits; only what does not is
	 * measured, given room and printed again. */
	va_start(ap, fmt);
	n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return;
	}
	if (buf_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
