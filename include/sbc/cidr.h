/*
 * cidr: address prefixes, "192.0.2.0/24" or "2001:db8::/32" (layer 0).
 *
 * One parser for the two places that read them: sbcctl, which checks
 * and normalises what an administrator types (store_admin), and the ACL
 * table, which loads what sbcctl wrote (route/acl).
 */
#ifndef SBC_CIDR_H
#define SBC_CIDR_H

/*
 * Parses an IPv4 or IPv6 address with an optional "/len" (0 to 32 or
 * 128, decimal, no leading zero); without it the prefix is the whole
 * address.  addr gets the address in network order (4 or 16 bytes, the
 * rest zero).  Returns 0, -EINVAL when the address does not parse, or
 * -ERANGE when the length does not.
 */
int cidr_parse(const char *s, int *family, unsigned char addr[16],
	       unsigned *bits);

/* Clears the bits of addr past the prefix; returns 1 when any was set. */
int cidr_clear_host(int family, unsigned char addr[16], unsigned bits);

#endif
