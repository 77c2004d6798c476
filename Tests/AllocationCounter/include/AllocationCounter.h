#ifndef NICBED_ALLOCATION_COUNTER_H
#define NICBED_ALLOCATION_COUNTER_H

/// Counts heap allocations made by the calling thread between begin and end. The test binary's
/// malloc family forwards to glibc's and counts while a thread is counting; other threads, and
/// every thread outside a count, only pay a thread-local test.
void nicbed_allocations_begin(void);
long nicbed_allocations_end(void);
/// 0 in a build under AddressSanitizer, which must own malloc: there nothing is counted.
int nicbed_allocations_available(void);

#endif
