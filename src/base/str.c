#include <errno.h>
#include <strings.h>

#include "sbc/str.h"

static inline char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

bool str_eq(struct str a, struct str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool str_caseeq(struct str a, struct str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (lower(a.p[i]) != lower(b.p[i]))
			return false;
	return true;
}

bool str_caseeq_c(struct str a, const char *c)
{
	size_t i;

	for (i = 0; i < a.len; i++)
		if (c[i] == '\0' || lower(a.p[i]) != lower(c[i]))
			return false;
	return c[i] == '\0';
}

bool str_casestarts(struct str a, const char *prefix)
{
	size_t n = strlen(prefix);

	return a.len >= n && str_caseeq(str_make(a.p, n), str_make(prefix, n));
}

static inline bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct str str_trim(struct str s)
{
	while (s.len && is_lws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_lws(s.p[s.len - 1]))
		s.len--;
	return s;
}

int str_to_u64(struct str s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s.len == 0)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

ptrdiff_t str_chr(struct str s, char c)
{
	const char *q = s.len ? memchr(s.p, c, s.len) : NULL;

	return q ? q - s.p : -1;
}

size_t str_copy(char *dst, size_t n, struct str s)
{
	size_t k;

	if (n == 0)
		return 0;
	k = s.len < n - 1 ? s.len : n - 1;
	if (k)
		memcpy(dst, s.p, k);
	dst[k] = '\0';
	return k;
}
