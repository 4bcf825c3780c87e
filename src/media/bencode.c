/*
 * bencode: encoder and decoder of bencoded values (layer 2, media), for
 * rtpengine's ng protocol.  See include/sbc/bencode.h.
 */
#include <errno.h>
#include <string.h>

#include "sbc/bencode.h"

void bencode_put_str(struct buf *b, struct str s)
{
	buf_put_u64(b, s.len);
	buf_put_c(b, ':');
	buf_put(b, s.p, s.len);
}

void bencode_put_cstr(struct buf *b, const char *s)
{
	bencode_put_str(b, str_cstr(s));
}

void bencode_put_int(struct buf *b, int64_t i)
{
	buf_printf(b, "i%llde", (long long)i);
}

void bencode_put_dict(struct buf *b)
{
	buf_put_c(b, 'd');
}

void bencode_put_list(struct buf *b)
{
	buf_put_c(b, 'l');
}

void bencode_put_end(struct buf *b)
{
	buf_put_c(b, 'e');
}

void bencode_put_kv(struct buf *b, const char *key, const char *value)
{
	bencode_put_cstr(b, key);
	bencode_put_cstr(b, value);
}

struct decoder {
	const char *p, *end;
	struct bencode *nodes;
	size_t max, used;
};

/* Digits up to the terminator c, no leading zero but "0" itself. */
static int dec_number(struct decoder *d, char c, int neg_ok, int64_t *out)
{
	uint64_t v = 0;
	int neg = 0, digits = 0;
	const char *start;

	if (neg_ok && d->p < d->end && *d->p == '-') {
		neg = 1;
		d->p++;
	}
	start = d->p;
	while (d->p < d->end && *d->p >= '0' && *d->p <= '9') {
		if (v > (uint64_t)INT64_MAX / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*d->p - '0');
		if (v > (uint64_t)INT64_MAX)
			return -EINVAL;
		d->p++;
		digits++;
	}
	if (d->p >= d->end || *d->p != c || digits == 0)
		return -EINVAL;
	/* BEP 3: no leading zeros, and no negative zero. */
	if ((digits > 1 && *start == '0') || (neg && v == 0))
		return -EINVAL;
	d->p++;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int dec_string(struct decoder *d, struct str *s)
{
	int64_t n;

	if (dec_number(d, ':', 0, &n) < 0)
		return -EINVAL;
	if ((uint64_t)n > (uint64_t)(d->end - d->p))
		return -EINVAL;
	*s = str_make(d->p, (size_t)n);
	d->p += n;
	return 0;
}

static int dec_value(struct decoder *d, struct bencode **out, int depth)
{
	struct bencode *v, **tail;
	int rc;

	if (depth > BENCODE_MAX_DEPTH)
		return -ELOOP;
	if (d->p >= d->end)
		return -EINVAL;
	if (d->used == d->max)
		return -E2BIG;
	v = &d->nodes[d->used++];
	memset(v, 0, sizeof(*v));
	*out = v;
	switch (*d->p) {
	case 'i':
		d->p++;
		v->type = BENCODE_INT;
		return dec_number(d, 'e', 1, &v->i);
	case 'l':
	case 'd':
		v->type = *d->p == 'l' ? BENCODE_LIST : BENCODE_DICT;
		d->p++;
		tail = &v->child;
		while (d->p < d->end && *d->p != 'e') {
			struct str key = STR_NULL;

			if (v->type == BENCODE_DICT &&
			    dec_string(d, &key) < 0)
				return -EINVAL;
			rc = dec_value(d, tail, depth + 1);
			if (rc < 0)
				return rc;
			(*tail)->key = key;
			tail = &(*tail)->next;
		}
		if (d->p >= d->end)
			return -EINVAL;
		d->p++;
		return 0;
	default:
		v->type = BENCODE_STR;
		return dec_string(d, &v->s);
	}
}

int bencode_decode(const char *p, size_t len, struct bencode *nodes,
		   size_t max)
{
	struct decoder d = { .p = p, .end = p + len, .nodes = nodes,
			     .max = max };
	struct bencode *root;
	int rc = dec_value(&d, &root, 0);

	if (rc < 0)
		return rc;
	return (int)(d.p - p);
}

const struct bencode *bencode_get(const struct bencode *d, const char *key)
{
	if (!d || d->type != BENCODE_DICT)
		return NULL;
	for (const struct bencode *m = d->child; m; m = m->next)
		if (str_eq(m->key, str_cstr(key)))
			return m;
	return NULL;
}

struct str bencode_get_str(const struct bencode *d, const char *key)
{
	const struct bencode *m = bencode_get(d, key);

	return m && m->type == BENCODE_STR ? m->s : STR_NULL;
}
