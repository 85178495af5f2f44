/* intset: Redis 7.0's sorted integer set, byte for byte.
 *
 * Layout: <encoding u32 LE: 2, 4 or 8> <length u32 LE> <contents: length values of
 * `encoding` bytes, little endian, ascending>.  Adding a value that doesn't fit
 * the encoding upgrades the whole set (never downgrades), as Redis does.
 * Allocated with fc_malloc/fc_realloc; functions that resize return the (moved)
 * set.  fc_intset_validate() is the only function safe on untrusted bytes.
 */
#ifndef FC_INTSET_H
#define FC_INTSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct fc_intset {
    uint32_t encoding;
    uint32_t length;
    int8_t contents[];
} fc_intset;

fc_intset *fc_intset_new(void);
fc_intset *fc_intset_add(fc_intset *is, int64_t value, uint8_t *success);
fc_intset *fc_intset_remove(fc_intset *is, int64_t value, int *success);
uint8_t fc_intset_find(fc_intset *is, int64_t value);
/* position pos (0-based); 1 if in range */
uint8_t fc_intset_get(fc_intset *is, uint32_t pos, int64_t *value);
uint32_t fc_intset_len(const fc_intset *is);
size_t fc_intset_blob_len(fc_intset *is);
int64_t fc_intset_min(fc_intset *is);
int64_t fc_intset_max(fc_intset *is);
int fc_intset_validate(const unsigned char *p, size_t size, int deep);

#endif
