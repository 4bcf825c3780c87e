/*
 * json: writing JSON text into a buf (layer 0).
 *
 * Only what sbc prints needs: strings with the escapes of RFC 8259
 * section 7, and numbers.  Objects and arrays are written by the caller
 * with buf_put_c; these helpers keep the quoting in one place.
 */
#ifndef SBC_JSON_H
#define SBC_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "sbc/buf.h"
#include "sbc/str.h"

/* A JSON string of s (n bytes); NULL prints null. */
void json_put_strn(struct buf *b, const char *s, size_t n);
/* The same for a NUL-terminated string; NULL prints null. */
void json_put_str(struct buf *b, const char *s);
/* "key": as the start of an object member, with a comma before it
 * unless first is set. */
void json_put_key(struct buf *b, const char *key, int first);
/* Members of common types: ,"key":value. */
void json_member_str(struct buf *b, const char *key, const char *v);
void json_member_u64(struct buf *b, const char *key, uint64_t v);
void json_member_i64(struct buf *b, const char *key, int64_t v);
/* Writes a JSON string of s to f; NULL prints null. */
void json_fput_str(FILE *f, const char *s);

#endif
