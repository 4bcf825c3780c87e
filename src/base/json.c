/*
 * json: JSON strings and members (layer 0), RFC 8259.
 */
#include <inttypes.h>
#include <string.h>

#include "sbc/json.h"

void json_put_strn(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	if (!s) {
		buf_put(b, "null", 4);
		return;
	}
	buf_put_c(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

		/* RFC 8259 7: quotation mark, reverse solidus and the
		 * control characters must be escaped. */
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		buf_put(b, s + run, i - run);
		run = i + 1;
		switch (ch) {
		case '"':
		case '\\':
			esc[1] = (char)ch;
			buf_put(b, esc, 2);
			break;
		case '\n':
			buf_put(b, "\\n", 2);
			break;
		case '\r':
			buf_put(b, "\\r", 2);
			break;
		case '\t':
			buf_put(b, "\\t", 2);
			break;
		default:
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			buf_put(b, esc, 6);
			break;
		}
	}
	buf_put(b, s + run, n - run);
	buf_put_c(b, '"');
}

void json_put_str(struct buf *b, const char *s)
{
	json_put_strn(b, s, s ? strlen(s) : 0);
}

void json_put_key(struct buf *b, const char *key, int first)
{
	if (!first)
		buf_put_c(b, ',');
	json_put_str(b, key);
	buf_put_c(b, ':');
}

void json_member_str(struct buf *b, const char *key, const char *v)
{
	json_put_key(b, key, 0);
	json_put_str(b, v);
}

void json_member_u64(struct buf *b, const char *key, uint64_t v)
{
	json_put_key(b, key, 0);
	buf_put_u64(b, v);
}

void json_member_i64(struct buf *b, const char *key, int64_t v)
{
	json_put_key(b, key, 0);
	buf_printf(b, "%" PRId64, v);
}

void json_fput_str(FILE *f, const char *s)
{
	struct buf b;

	buf_init(&b);
	json_put_str(&b, s);
	if (!b.err)
		fwrite(b.p, 1, b.len, f);
	buf_free(&b);
}
