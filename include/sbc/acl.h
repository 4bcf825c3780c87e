/*
 * acl: access control by source address, per realm (layer 5).
 *
 * The ACL entries of the database (sbcctl acl add REALM CIDR allow|deny)
 * and the numeric addresses of the trunks are compiled into one binary
 * trie per realm and address family.  A lookup walks the bits of the
 * source address and keeps the last entry it passed, so the most
 * specific prefix decides (longest-prefix match, as routers do).  Entries
 * of equal prefix disagree only through a mistake: then deny wins, and a
 * deny entry beats a trunk of the same address.  A trunk is an allow
 * entry for its host address (/32 or /128) that also marks the source
 * as a known peer, which the per-source rate limit spares.
 *
 * An IPv4-mapped IPv6 address (::ffff:192.0.2.1, RFC 4291 2.5.5.2) is
 * looked up as the IPv4 address it carries.
 */
#ifndef SBC_ACL_H
#define SBC_ACL_H

#include <stddef.h>
#include <sys/socket.h>

#include "sbc/store.h"

enum acl_verdict {
	ACL_NONE = 0,	/* no entry and no trunk matches */
	ACL_ALLOW,	/* the most specific match is an allow entry */
	ACL_TRUNK,	/* ... is the address of a trunk of the realm */
	ACL_DENY,	/* ... is a deny entry */
};

struct acl_table;

/*
 * Compiles the ACL entries and the numeric trunk addresses of r (which
 * may be NULL: an empty table).  Entries whose CIDR does not parse are
 * skipped and counted in *bad when bad is not NULL (sbcctl validates
 * them, so that only happens to rows written by hand).  Returns 0 and
 * *out, or -ENOMEM.
 */
int acl_table_build(const struct store_routing *r, struct acl_table **out,
		    size_t *bad);

/* Frees the table; t may be NULL. */
void acl_table_free(struct acl_table *t);

/* The verdict for a source address in a realm; t may be NULL. */
enum acl_verdict acl_table_match(const struct acl_table *t, const char *realm,
				 const struct sockaddr *sa);

/* How many ACL entries (not trunks) the realm has. */
size_t acl_table_entries(const struct acl_table *t, const char *realm);

/*
 * Parses "192.0.2.0/24", "2001:db8::/32" or a bare address (a host
 * prefix) into family, address bytes (4 or 16 used) and prefix length.
 * Bits past the prefix must be zero.  Returns 0 or -EINVAL.
 */
int acl_cidr_parse(const char *s, int *family, unsigned char addr[16],
		   unsigned *bits);

#endif
