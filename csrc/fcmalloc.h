/* fcmalloc: the counting allocator every C allocation of fastcache goes through.
 *
 * used_memory must be honest (INFO, MEMORY USAGE, maxmemory), so we count what the
 * allocator really hands out (malloc_usable_size), not what was asked for.  The
 * counter is a plain global: the data plane is single-threaded (one uvloop loop);
 * a forked child (BGSAVE) gets its own copy, which is what we want.
 *
 * Out of memory is fatal, as in Redis (zmalloc_oom_handler): we print and abort.
 * Callers never see NULL, so no error path has to handle it.
 */
#ifndef FC_MALLOC_H
#define FC_MALLOC_H

#include <stddef.h>
#include <stdlib.h>
#include <malloc.h>

extern size_t fc_used_memory;
void fc_oom(size_t size) __attribute__((noreturn));

static inline size_t fc_malloc_size(void *p) { return p ? malloc_usable_size(p) : 0; }

static inline void *fc_malloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) fc_oom(size);
    fc_used_memory += malloc_usable_size(p);
    return p;
}

static inline void *fc_calloc(size_t size) {
    void *p = calloc(1, size ? size : 1);
    if (!p) fc_oom(size);
    fc_used_memory += malloc_usable_size(p);
    return p;
}

static inline void *fc_realloc(void *ptr, size_t size) {
    size_t old = ptr ? malloc_usable_size(ptr) : 0;
    void *p = realloc(ptr, size ? size : 1);
    if (!p) fc_oom(size);
    fc_used_memory = fc_used_memory - old + malloc_usable_size(p);
    return p;
}

static inline void fc_free(void *ptr) {
    if (!ptr) return;
    fc_used_memory -= malloc_usable_size(ptr);
    free(ptr);
}

#endif
