/* listpack: Redis 7.0's compact list encoding, byte for byte.
 *
 * Layout: <total-bytes u32 LE> <num-elements u16 LE> <entry> ... <end 0xFF>.
 * Each entry is <encoding+data> <backlen>; integers use the 7/13/16/24/32/64-bit
 * encodings, strings the 6/12/32-bit length encodings; backlen is the entry's
 * size in 1..5 bytes, 7 bits per byte, read right to left.  num-elements is
 * 65535 when the count is unknown (>= 65535) and must then be counted.  A string
 * that is a canonical integer (fc_string2ll) is stored as an integer, as Redis's
 * lpEncodeGetType does, so our blobs equal Redis's for the same contents.
 *
 * Memory: every blob is allocated with fc_malloc/fc_realloc (fcmalloc.h); any
 * function that can grow or shrink the blob returns the (possibly moved) blob,
 * and pointers into it must be re-derived (the *newp out-parameters do that).
 * Functions never fail: out of memory aborts, as everywhere in fastcache.
 * fc_lp_validate() is the only function that is safe on untrusted bytes.
 */
#ifndef FC_LISTPACK_H
#define FC_LISTPACK_H

#include <stddef.h>
#include <stdint.h>

#define FC_LP_BEFORE 0
#define FC_LP_AFTER 1
#define FC_LP_REPLACE 2
#define FC_LP_INTBUF_SIZE 21   /* room for a long long as text */

unsigned char *fc_lp_new(size_t capacity);
void fc_lp_free(unsigned char *lp);
size_t fc_lp_bytes(const unsigned char *lp);
unsigned long fc_lp_length(unsigned char *lp);          /* counts (and caches) when >= 65535 */

/* Navigation: NULL past either end. */
unsigned char *fc_lp_first(unsigned char *lp);
unsigned char *fc_lp_last(unsigned char *lp);
unsigned char *fc_lp_next(unsigned char *lp, unsigned char *p);
unsigned char *fc_lp_prev(unsigned char *lp, unsigned char *p);
unsigned char *fc_lp_seek(unsigned char *lp, long index); /* negative: from the tail */

/* Read the element at p.  Strings: returns a pointer to the bytes and sets *len.
 * Integers: returns NULL and sets *ival (callers wanting text use fc_lp_get_str). */
unsigned char *fc_lp_get_value(unsigned char *p, uint32_t *len, long long *ival);
/* The element as text: integers are formatted into buf (FC_LP_INTBUF_SIZE bytes). */
unsigned char *fc_lp_get_str(unsigned char *p, uint32_t *len, unsigned char *buf);

/* Insert s (or the integer v) before/after the element at p, or replace it
 * (where = FC_LP_BEFORE / FC_LP_AFTER / FC_LP_REPLACE).  *newp (if not NULL) is set
 * to the inserted element in the returned blob.  p == NULL means the end (append).
 * s must not point into lp (the blob may move before s is copied). */
unsigned char *fc_lp_insert_string(unsigned char *lp, const unsigned char *s, uint32_t len,
                                   unsigned char *p, int where, unsigned char **newp);
unsigned char *fc_lp_insert_integer(unsigned char *lp, long long v, unsigned char *p, int where,
                                    unsigned char **newp);
unsigned char *fc_lp_append(unsigned char *lp, const unsigned char *s, uint32_t len);
unsigned char *fc_lp_prepend(unsigned char *lp, const unsigned char *s, uint32_t len);
unsigned char *fc_lp_append_integer(unsigned char *lp, long long v);
unsigned char *fc_lp_replace(unsigned char *lp, unsigned char **p, const unsigned char *s, uint32_t len);
unsigned char *fc_lp_replace_integer(unsigned char *lp, unsigned char **p, long long v);

/* Delete the element at p; *newp = the element that followed it (NULL at the end). */
unsigned char *fc_lp_delete(unsigned char *lp, unsigned char *p, unsigned char **newp);
/* Delete num elements starting at index (negative from the tail). */
unsigned char *fc_lp_delete_range(unsigned char *lp, long index, unsigned long num);
/* Delete num elements starting at *p; *p = the element after the range (NULL at the end). */
unsigned char *fc_lp_delete_range_with_entry(unsigned char *lp, unsigned char **p, unsigned long num);

/* Compare the element at p with s: 1 if equal (an integer element equals its
 * canonical text). */
int fc_lp_compare(unsigned char *p, const unsigned char *s, uint32_t slen);
/* Find s starting at p, comparing one element, then skipping `skip` elements
 * (skip=1 searches the keys of a key/value listpack).  NULL when absent. */
unsigned char *fc_lp_find(unsigned char *lp, unsigned char *p, const unsigned char *s, uint32_t slen,
                          unsigned int skip);

/* Safe structural check of untrusted bytes (RDB, RESTORE): header, every entry's
 * encoding and backlen, terminator; `deep` walks every entry.  1 if valid. */
int fc_lp_validate(const unsigned char *lp, size_t size, int deep);

/* Redis's lpSafeToAdd: 1 if the blob (lp may be NULL) can grow by `add` bytes and stay
 * within LISTPACK_MAX_SAFETY_SIZE (1 GiB), 0 if that would exceed it. */
int fc_lp_safe_to_add(unsigned char *lp, size_t add);

#endif
