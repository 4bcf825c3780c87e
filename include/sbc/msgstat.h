/*
 * msgstat: counters of SIP messages by method and by status code
 * (layer 7, for the status socket).
 *
 * A direction (in or out) counts requests by method (RFC 3261 7.1) and
 * responses by status code (RFC 3261 7.2: 100 to 699).  Received
 * messages are counted once parsed; sent messages are classified from
 * their start line, since sbc prints them itself and every one passes
 * through the transport's send function.  Nothing is allocated.
 */
#ifndef SBC_MSGSTAT_H
#define SBC_MSGSTAT_H

#include <stddef.h>

#include "sbc/buf.h"
#include "sbc/sip_hdr.h"
#include "sbc/sip_msg.h"

/* Every value of enum sip_method, SIP_METHOD_OTHER included. */
#define MSGSTAT_METHODS (SIP_METHOD_PUBLISH + 1)
/* RFC 3261 7.2: a status code is three digits, 100 to 699. */
#define MSGSTAT_STATUS_MIN 100
#define MSGSTAT_STATUS_MAX 699
#define MSGSTAT_STATUSES (MSGSTAT_STATUS_MAX - MSGSTAT_STATUS_MIN + 1)

struct msgstat_dir {
	unsigned long requests[MSGSTAT_METHODS];	/* by enum sip_method */
	unsigned long responses[MSGSTAT_STATUSES];	/* by code - 100 */
	unsigned long unknown;	/* a start line that is neither */
};

struct msgstat {
	struct msgstat_dir in;
	struct msgstat_dir out;
};

/* Counts a parsed message. */
void msgstat_count_msg(struct msgstat_dir *d, const struct sip_msg *m);

/*
 * Counts a message from its first line: "SIP/2.0 NNN ..." is a
 * response, anything else a request named by its first token.  A
 * keep-alive of only CR and LF (RFC 5626 4.4.1) is not a message and
 * is not counted.
 */
void msgstat_count_raw(struct msgstat_dir *d, const void *p, size_t len);

/* The number of requests, and of responses, of a direction. */
unsigned long msgstat_requests(const struct msgstat_dir *d);
unsigned long msgstat_responses(const struct msgstat_dir *d);

/*
 * Appends one JSON object for d:
 *   {"requests":{"INVITE":1,...,"other":0},"responses":{"200":3},
 *    "total_requests":1,"total_responses":3,"unknown":0}
 * Every method is listed; only the status codes seen are.
 */
void msgstat_json(const struct msgstat_dir *d, struct buf *b);

#endif
