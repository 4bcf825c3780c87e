#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "sbc/log.h"
#include "sbc/rnd.h"

/* One getrandom call serves over a hundred tags and branches. */
static _Thread_local unsigned char pool[4096];
static _Thread_local size_t pool_left;

static void pool_fill(void)
{
	size_t got = 0;

	while (got < sizeof(pool)) {
		ssize_t n = getrandom(pool + got, sizeof(pool) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Only on kernels without getrandom; sbc needs 3.17+. */
			log_err("getrandom failed: %s", strerror(errno));
			break;
		}
		got += (size_t)n;
	}
	pool_left = sizeof(pool);
}

void rnd_bytes(void *dst, size_t n)
{
	unsigned char *d = dst;

	while (n > 0) {
		size_t k;

		if (pool_left == 0)
			pool_fill();
		k = n < pool_left ? n : pool_left;
		memcpy(d, pool + sizeof(pool) - pool_left, k);
		/* Bytes handed out are not handed out again. */
		memset(pool + sizeof(pool) - pool_left, 0, k);
		pool_left -= k;
		d += k;
		n -= k;
	}
}

size_t rnd_token(char *dst, size_t n)
{
	static const char alphabet[] =
		"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t i = 0;

	if (n == 0)
		return 0;
	while (i < n - 1) {
		unsigned char b;

		rnd_bytes(&b, 1);
		/* 62 symbols: draws of 248 and above would bias; skip them. */
		if (b >= 248)
			continue;
		dst[i++] = alphabet[b % 62];
	}
	dst[i] = '\0';
	return i;
}
