/* See fcmalloc.h. */
#include <stdio.h>
#include "fcmalloc.h"

size_t fc_used_memory = 0;

void fc_oom(size_t size) {
    fprintf(stderr, "fcmalloc: Out of memory trying to allocate %zu bytes\n", size);
    fflush(stderr);
    abort();
}
