// The malloc family, defined in the test executable so that every allocation of the process
// comes through here (the executable's definitions win over libc's), forwarded to glibc's own
// allocator through its exported __libc_* entry points. Counting is per thread, so tests that
// run in parallel on other threads do not disturb a count.
#include <errno.h>
#include <stddef.h>
#include "AllocationCounter.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *pointer);

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NICBED_UNDER_ASAN 1
#endif
#endif

#ifdef NICBED_UNDER_ASAN
// AddressSanitizer owns the malloc family (it must see every allocation): nothing is counted.
int nicbed_allocations_available(void) { return 0; }
void nicbed_allocations_begin(void) {}
long nicbed_allocations_end(void) { return -1; }
#else
int nicbed_allocations_available(void) { return 1; }

static __thread int counting __attribute__((tls_model("initial-exec")));
static __thread long allocations __attribute__((tls_model("initial-exec")));

void nicbed_allocations_begin(void) {
    allocations = 0;
    counting = 1;
}

long nicbed_allocations_end(void) {
    counting = 0;
    return allocations;
}

static inline void note(void) {
    if (counting) allocations += 1;
}

void *malloc(size_t size) {
    note();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    note();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    note();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    note();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

void free(void *pointer) {
    __libc_free(pointer);
}
#endif
