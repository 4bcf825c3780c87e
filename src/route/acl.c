/*
 * acl: the ACL entries and trunk addresses of each realm compiled into
 * binary tries for longest-prefix match (layer 5).
 *
 * Every node of every trie lives in one array and children are indices
 * into it, so a table is two allocations plus the realm names and is
 * freed at once.  A node holds the verdict of the prefix that ends at it
 * (ACL_NONE when none does); a lookup follows the address bit by bit and
 * remembers the last verdict it met.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/acl.h"
#include "sbc/cidr.h"
#include "sbc/sip_uri.h"
#include "sbc/str.h"

struct acl_node {
	uint32_t child[2];	/* 0: none (node 0 is never a child) */
	unsigned char verdict;	/* enum acl_verdict */
};

struct acl_realm {
	char *name;
	uint32_t root[2];	/* IPv4, IPv6 */
	size_t entries;		/* ACL entries, trunks not counted */
};

struct acl_table {
	struct acl_node *nodes;
	size_t n_nodes, cap_nodes;
	struct acl_realm *realms;
	size_t n_realms;
};

int acl_cidr_parse(const char *s, int *family, unsigned char addr[16],
		   unsigned *bits)
{
	int rc = cidr_parse(s, family, addr, bits);

	if (rc < 0)
		return -EINVAL;
	/* Host bits past the prefix must be zero, as sbcctl writes them. */
	return cidr_clear_host(*family, addr, *bits) ? -EINVAL : 0;
}

static int acl_node_new(struct acl_table *t, uint32_t *idx)
{
	if (t->n_nodes == t->cap_nodes) {
		size_t cap = t->cap_nodes ? t->cap_nodes * 2 : 64;
		struct acl_node *n;

		if (cap > UINT32_MAX)
			return -ENOMEM;
		n = realloc(t->nodes, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->nodes = n;
		t->cap_nodes = cap;
	}
	memset(&t->nodes[t->n_nodes], 0, sizeof(*t->nodes));
	*idx = (uint32_t)t->n_nodes++;
	return 0;
}

static struct acl_realm *acl_realm_find(const struct acl_table *t,
					const char *name)
{
	for (size_t i = 0; i < t->n_realms; i++)
		if (strcmp(t->realms[i].name, name) == 0)
			return &t->realms[i];
	return NULL;
}

static int acl_realm_get(struct acl_table *t, const char *name,
			 struct acl_realm **out)
{
	struct acl_realm *r = acl_realm_find(t, name);
	int rc;

	if (!r) {
		r = realloc(t->realms, (t->n_realms + 1) * sizeof(*r));
		if (!r)
			return -ENOMEM;
		t->realms = r;
		r = &t->realms[t->n_realms];
		memset(r, 0, sizeof(*r));
		r->name = strdup(name);
		if (!r->name)
			return -ENOMEM;
		t->n_realms++;
		for (int f = 0; f < 2; f++) {
			/* Node indices move when the array grows: store the
			 * index, never a pointer. */
			uint32_t idx;

			rc = acl_node_new(t, &idx);
			if (rc < 0)
				return rc;
			t->realms[t->n_realms - 1].root[f] = idx;
		}
		r = &t->realms[t->n_realms - 1];
	}
	*out = r;
	return 0;
}

/* Adds one prefix; a stronger verdict of the same prefix wins (deny over
 * trunk over allow, the order of enum acl_verdict). */
static int acl_insert(struct acl_table *t, const char *realm, int family,
		      const unsigned char *addr, unsigned bits,
		      enum acl_verdict v)
{
	struct acl_realm *r;
	uint32_t cur;
	int rc = acl_realm_get(t, realm, &r);

	if (rc < 0)
		return rc;
	cur = r->root[family == AF_INET6];
	for (unsigned i = 0; i < bits; i++) {
		unsigned bit = (addr[i / 8] >> (7 - i % 8)) & 1;
		uint32_t next = t->nodes[cur].child[bit];

		if (!next) {
			rc = acl_node_new(t, &next);
			if (rc < 0)
				return rc;
			t->nodes[cur].child[bit] = next;
		}
		cur = next;
	}
	if (v > t->nodes[cur].verdict)
		t->nodes[cur].verdict = (unsigned char)v;
	return 0;
}

/* The host address of a trunk with a numeric URI, as a host prefix. */
static int acl_trunk_addr(const struct store_trunk *tr, int *family,
			  unsigned char addr[16])
{
	struct sip_uri u;
	char host[INET6_ADDRSTRLEN + 1];
	struct str h;

	if (sip_uri_parse(&u, str_cstr(tr->uri), NULL) < 0 ||
	    (u.host_type != SIP_HOST_IPV4 && u.host_type != SIP_HOST_IPV6))
		return -EINVAL;
	h = u.host;
	if (h.len >= 2 && h.p[0] == '[')
		h = str_make(h.p + 1, h.len - 2);
	if (h.len >= sizeof(host))
		return -EINVAL;
	str_copy(host, sizeof(host), h);
	memset(addr, 0, 16);
	*family = u.host_type == SIP_HOST_IPV4 ? AF_INET : AF_INET6;
	return inet_pton(*family, host, addr) == 1 ? 0 : -EINVAL;
}

int acl_table_build(const struct store_routing *r, struct acl_table **out,
		    size_t *bad)
{
	struct acl_table *t = calloc(1, sizeof(*t));
	unsigned char addr[16];
	unsigned bits;
	int family, rc = 0;

	*out = NULL;
	if (bad)
		*bad = 0;
	if (!t)
		return -ENOMEM;
	/* Node 0 is a placeholder, so that 0 means "no child". */
	rc = acl_node_new(t, &(uint32_t){ 0 });
	for (size_t i = 0; r && rc == 0 && i < r->n_acl; i++) {
		const struct store_acl *e = &r->acl[i];
		struct acl_realm *ar;

		if (acl_cidr_parse(e->cidr, &family, addr, &bits) < 0) {
			if (bad)
				(*bad)++;
			continue;
		}
		rc = acl_insert(t, e->realm, family, addr, bits,
				e->allow ? ACL_ALLOW : ACL_DENY);
		if (rc == 0 && (ar = acl_realm_find(t, e->realm)) != NULL)
			ar->entries++;
	}
	for (size_t i = 0; r && rc == 0 && i < r->n_trunks; i++) {
		const struct store_trunk *tr = &r->trunks[i];

		if (acl_trunk_addr(tr, &family, addr) < 0)
			continue;
		rc = acl_insert(t, tr->realm, family, addr,
				family == AF_INET ? 32 : 128, ACL_TRUNK);
	}
	if (rc < 0) {
		acl_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void acl_table_free(struct acl_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_realms; i++)
		free(t->realms[i].name);
	free(t->realms);
	free(t->nodes);
	free(t);
}

enum acl_verdict acl_table_match(const struct acl_table *t, const char *realm,
				 const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0,
						  0, 0, 0, 0, 0xff, 0xff };
	const struct acl_realm *r;
	const unsigned char *addr;
	enum acl_verdict v;
	unsigned bits;
	uint32_t cur;

	if (!t || !(r = acl_realm_find(t, realm)))
		return ACL_NONE;
	if (sa->sa_family == AF_INET) {
		addr = (const unsigned char *)&((const struct sockaddr_in *)
							(const void *)sa)
			       ->sin_addr;
		bits = 32;
		cur = r->root[0];
	} else if (sa->sa_family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)(const void *)sa)
			       ->sin6_addr.s6_addr;
		bits = 128;
		cur = r->root[1];
		if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
			addr += 12;
			bits = 32;
			cur = r->root[0];
		}
	} else {
		return ACL_NONE;
	}
	v = (enum acl_verdict)t->nodes[cur].verdict;
	for (unsigned i = 0; i < bits; i++) {
		cur = t->nodes[cur].child[(addr[i / 8] >> (7 - i % 8)) & 1];
		if (!cur)
			break;
		if (t->nodes[cur].verdict != ACL_NONE)
			v = (enum acl_verdict)t->nodes[cur].verdict;
	}
	return v;
}

size_t acl_table_entries(const struct acl_table *t, const char *realm)
{
	const struct acl_realm *r = t ? acl_realm_find(t, realm) : NULL;

	return r ? r->entries : 0;
}
