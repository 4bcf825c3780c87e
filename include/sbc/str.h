/*
 * str: read-only string slices (layer 0).
 *
 * A slice is a pointer and a length into memory owned by someone else,
 * normally the buffer a message was received into.  Nothing here allocates
 * and nothing here expects NUL termination.
 */
#ifndef SBC_STR_H
#define SBC_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct str {
	const char *p;
	size_t len;
};

/* A slice of a string literal, for constants and comparisons. */
#define STR(lit) ((struct str){ (lit), sizeof(lit) - 1 })
#define STR_NULL ((struct str){ NULL, 0 })
/* For printf: printf("%.*s", STR_FMT(s)). */
#define STR_FMT(s) (int)(s).len, (s).p

static inline struct str str_make(const char *p, size_t len)
{
	return (struct str){ p, len };
}

static inline struct str str_cstr(const char *s)
{
	return (struct str){ s, s ? strlen(s) : 0 };
}

static inline bool str_isset(struct str s)
{
	return s.p != NULL;
}

bool str_eq(struct str a, struct str b);
bool str_caseeq(struct str a, struct str b);
/* Case-insensitive comparison with a NUL-terminated ASCII string. */
bool str_caseeq_c(struct str a, const char *c);
bool str_casestarts(struct str a, const char *prefix);

/* Leading and trailing linear white space (SP, HT, CR, LF) removed. */
struct str str_trim(struct str s);

/*
 * Parses a decimal unsigned number that fills all of s.  Returns 0, or
 * -EINVAL for an empty or non-digit slice, -ERANGE past max.
 */
int str_to_u64(struct str s, uint64_t max, uint64_t *out);

/* Index of the first occurrence of c in s, or -1. */
ptrdiff_t str_chr(struct str s, char c);

/* Copies s into dst (size n), NUL-terminated and truncated if needed. */
size_t str_copy(char *dst, size_t n, struct str s);

#endif
