/*
 * cidr: see sbc/cidr.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sbc/cidr.h"

/* "0" to max, at most three digits, no leading zero; -1 otherwise. */
static int prefix_len(const char *p, unsigned max)
{
	unsigned v = 0;

	if (*p == '\0' || strlen(p) > 3 || (p[0] == '0' && p[1] != '\0'))
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	return v <= max ? (int)v : -1;
}

int cidr_parse(const char *s, int *family, unsigned char addr[16],
	       unsigned *bits)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	unsigned max;
	int len;

	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, host, addr) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		*family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = slash ? prefix_len(slash + 1, max) : (int)max;
	if (len < 0)
		return -ERANGE;
	*bits = (unsigned)len;
	return 0;
}

int cidr_clear_host(int family, unsigned char addr[16], unsigned bits)
{
	unsigned max = family == AF_INET ? 32 : 128;
	int host = 0;

	for (unsigned i = bits; i < max; i++) {
		unsigned char m = (unsigned char)(0x80u >> (i % 8));

		if (addr[i / 8] & m) {
			host = 1;
			addr[i / 8] &= (unsigned char)~m;
		}
	}
	return host;
}
