/*
 * rnd: random bytes and tokens for tags, branches and Call-IDs (layer 0).
 *
 * Bytes come from getrandom(2) through a small buffer, so a token costs
 * no system call most of the time.  RFC 3261 19.3 asks tags and Call-IDs
 * to be globally unique and cryptographically random; 96 bits and more
 * of getrandom output are.
 */
#ifndef SBC_RND_H
#define SBC_RND_H

#include <stddef.h>

/* Fills dst with n random bytes. */
void rnd_bytes(void *dst, size_t n);

/*
 * Writes n - 1 random characters from [0-9a-zA-Z] and a NUL into dst
 * (6 bits of randomness each, from unbiased draws); returns n - 1.
 */
size_t rnd_token(char *dst, size_t n);

#endif
