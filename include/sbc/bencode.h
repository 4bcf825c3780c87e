/*
 * bencode: the encoding of rtpengine's ng control protocol (layer 2,
 * media).
 *
 * Bencoding (BitTorrent BEP 3, which rtpengine's ng protocol uses) has
 * four kinds of values: byte strings "4:spam", integers "i42e", lists
 * "l...e" and dictionaries "d...e" whose keys are byte strings.
 *
 * The encoder appends to a struct buf; a failed allocation sets the
 * buffer's error, as everywhere else.  The decoder builds a tree of
 * nodes in an array the caller gives; every string is a slice of the
 * input, so decoding copies nothing and the input must outlive the tree.
 * It refuses truncated input, lengths past the end of the input,
 * integers that overflow, leading zeros, nesting deeper than
 * BENCODE_MAX_DEPTH and more nodes than the array holds.
 */
#ifndef SBC_BENCODE_H
#define SBC_BENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/buf.h"
#include "sbc/str.h"

#define BENCODE_MAX_DEPTH 16

enum bencode_type {
	BENCODE_STR = 0,
	BENCODE_INT,
	BENCODE_LIST,
	BENCODE_DICT,
};

struct bencode {
	enum bencode_type type;
	struct str key;			/* in a dictionary: the member's key */
	struct str s;			/* BENCODE_STR */
	int64_t i;			/* BENCODE_INT */
	struct bencode *child;		/* the first member of a list or dict */
	struct bencode *next;		/* the next member of the parent */
};

void bencode_put_str(struct buf *b, struct str s);
void bencode_put_cstr(struct buf *b, const char *s);
void bencode_put_int(struct buf *b, int64_t i);
/* 'd' or 'l': a dictionary or list starts; bencode_put_end closes it. */
void bencode_put_dict(struct buf *b);
void bencode_put_list(struct buf *b);
void bencode_put_end(struct buf *b);
/* A dictionary member whose value is a string. */
void bencode_put_kv(struct buf *b, const char *key, const char *value);

/*
 * Decodes one value at the start of len bytes at p into nodes[0..max).
 * Returns the number of bytes the value took, or -EINVAL for malformed
 * or truncated input, -E2BIG for too many nodes, -ELOOP for nesting
 * deeper than BENCODE_MAX_DEPTH.  nodes[0] is the root.
 */
int bencode_decode(const char *p, size_t len, struct bencode *nodes,
		   size_t max);

/* The member of dictionary d named key, or NULL. */
const struct bencode *bencode_get(const struct bencode *d, const char *key);
/* The string member key of d, or STR_NULL when it is missing or no
 * string. */
struct str bencode_get_str(const struct bencode *d, const char *key);

#endif
