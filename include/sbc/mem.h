/*
 * mem: how the event loop's heap is kept (layer 0).
 *
 * Calls and transactions come and go by the thousand per second, and
 * each page of heap touched for the first time costs a trap into the
 * kernel: on a virtual machine, a tenth of the loop's time in
 * contrib/bench/calls while lingering transactions piled up.  The heap
 * is therefore not handed back at every dip, and what it grows by is
 * faulted in with one system call from the loop, between iterations.
 */
#ifndef SBC_MEM_H
#define SBC_MEM_H

#include <stddef.h>

/* Sets malloc's trim threshold and top pad (glibc); call once, early. */
void mem_tune(void);

/*
 * Faults in at most max bytes of the heap that grew since the last call
 * (the first call only marks where it stands).  Returns the bytes
 * faulted in, 0 when there was nothing to do or the kernel cannot
 * (MADV_POPULATE_WRITE is Linux 5.14), in which case pages fault in one
 * by one as before.  Not thread-safe: call it from one thread.
 */
size_t mem_prefault(size_t max);

#endif
