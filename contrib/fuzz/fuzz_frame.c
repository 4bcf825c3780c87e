/*
 * libFuzzer harness for stream framing (sip_frame_next).
 *
 * The input is consumed the way a TCP transport would: frame, consume
 * *used bytes, repeat until more is needed or the stream is broken.  The
 * first byte picks the limits, so small limits get exercised too.  Any
 * violation calls abort().
 *
 * Build and run with contrib/fuzz/run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/sip_frame.h"
#include "sbc/sip_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t off, size_t used)
{
	fprintf(stderr, "fuzz_frame: %s (offset %zu, used %zu)\n", what, off,
		used);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg m;
	struct sip_frame_limits lim;
	const struct sip_frame_limits *limp = NULL;
	const char *p;
	size_t off = 0;

	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		break;		/* the defaults */
	case 1:
		lim.max_hdr = 64 + data[0];
		lim.max_body = data[0] / 4;
		limp = &lim;
		break;
	case 2:
		lim.max_hdr = 1024;
		lim.max_body = 0;
		limp = &lim;
		break;
	default:
		lim.max_hdr = (size_t)-1;
		lim.max_body = (size_t)-1;
		limp = &lim;
		break;
	}
	p = (const char *)data + 1;
	size--;

	while (off < size) {
		size_t used = (size_t)-1, again = (size_t)-1;
		const char *err = NULL;
		enum sip_frame_rc rc = sip_frame_next(p + off, size - off, limp,
						      &used, &err);

		if (rc == SIP_FRAME_MORE)
			break;
		if (rc == SIP_FRAME_ERROR) {
			if (!err)
				fail("error without a reason", off, used);
			break;
		}
		if (used == 0)
			fail("no progress", off, used);
		if (used > size - off)
			fail("used past the end", off, used);
		if (rc == SIP_FRAME_PING && used != 4)
			fail("ping is not 4 bytes", off, used);
		if (rc == SIP_FRAME_PONG && used != 2)
			fail("pong is not 2 bytes", off, used);
		if (rc == SIP_FRAME_MSG) {
			/*
			 * The boundary does not depend on what follows: the
			 * message alone frames to the same length.
			 */
			if (sip_frame_next(p + off, used, limp, &again, &err) !=
			    SIP_FRAME_MSG || again != used)
				fail("framing depends on the bytes after", off,
				     used);
			if (limp && limp->max_hdr != (size_t)-1 &&
			    used > limp->max_hdr + limp->max_body + 4)
				fail("message over the limits", off, used);
			/*
			 * Framer and parser agree on where the message ends:
			 * a disagreement is how requests get smuggled.
			 */
			if (sip_msg_parse(&m, p + off, used, SIP_MSG_STREAM,
					  &err) == 0 &&
			    m.raw.p + m.raw.len != p + off + used)
				fail("parser and framer disagree on the length",
				     off, used);
		}
		off += used;
	}
	return 0;
}
