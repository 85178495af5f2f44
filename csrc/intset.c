/* intset.c -- see intset.h for the format and the API contract.
 *
 * Written from the intset format: a header (encoding = bytes per value: 2, 4 or 8;
 * length) and the values ascending, little endian.  For byte equality with Redis:
 * a new set starts at encoding 2; a value outside the current encoding's range
 * upgrades every value to the smallest encoding that holds it (and, being out of
 * range, it is necessarily the new minimum or maximum); removal never downgrades.
 * The blob has no slack: every add/remove reallocates to the exact size.
 *
 * Values are read and written with memcpy (the blob may be unaligned when it comes
 * from an RDB payload) and byte-swapped on big-endian hosts.
 */
#include <string.h>

#include "fcmalloc.h"
#include "intset.h"

#define ENC16 ((uint32_t)sizeof(int16_t))
#define ENC32 ((uint32_t)sizeof(int32_t))
#define ENC64 ((uint32_t)sizeof(int64_t))

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(x) __builtin_bswap16(x)
#define LE32(x) __builtin_bswap32(x)
#define LE64(x) __builtin_bswap64(x)
#else
#define LE16(x) (x)
#define LE32(x) (x)
#define LE64(x) (x)
#endif

static inline uint32_t hdr_enc(const fc_intset *is) { return LE32(is->encoding); }
static inline uint32_t hdr_len(const fc_intset *is) { return LE32(is->length); }

static inline uint32_t value_enc(int64_t v) {
    if (v < INT32_MIN || v > INT32_MAX) return ENC64;
    if (v < INT16_MIN || v > INT16_MAX) return ENC32;
    return ENC16;
}

static inline int64_t get_enc(const void *contents, uint32_t pos, uint32_t enc) {
    const unsigned char *p = (const unsigned char *)contents;
    if (enc == ENC64) {
        uint64_t u; memcpy(&u, p + (size_t)pos * 8, 8); return (int64_t)LE64(u);
    } else if (enc == ENC32) {
        uint32_t u; memcpy(&u, p + (size_t)pos * 4, 4); return (int32_t)LE32(u);
    } else {
        uint16_t u; memcpy(&u, p + (size_t)pos * 2, 2); return (int16_t)LE16(u);
    }
}

static inline void set_enc(fc_intset *is, uint32_t pos, int64_t v, uint32_t enc) {
    unsigned char *p = (unsigned char *)is->contents;
    if (enc == ENC64) {
        uint64_t u = LE64((uint64_t)v); memcpy(p + (size_t)pos * 8, &u, 8);
    } else if (enc == ENC32) {
        uint32_t u = LE32((uint32_t)(int32_t)v); memcpy(p + (size_t)pos * 4, &u, 4);
    } else {
        uint16_t u = LE16((uint16_t)(int16_t)v); memcpy(p + (size_t)pos * 2, &u, 2);
    }
}

static inline void set_len(fc_intset *is, uint32_t n) { is->length = LE32(n); }

static fc_intset *resize(fc_intset *is, uint32_t len) {
    return fc_realloc(is, sizeof(fc_intset) + (size_t)len * hdr_enc(is));
}

/* Binary search: 1 and *pos = index if found, else 0 and *pos = insertion point. */
static int search(const fc_intset *is, int64_t v, uint32_t *pos) {
    uint32_t enc = hdr_enc(is), n = hdr_len(is);
    if (n == 0) { *pos = 0; return 0; }
    /* The common append/prepend cases (increasing ids) end without a search. */
    if (v > get_enc(is->contents, n - 1, enc)) { *pos = n; return 0; }
    if (v < get_enc(is->contents, 0, enc)) { *pos = 0; return 0; }
    uint32_t lo = 0, hi = n - 1;
    while (lo <= hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = get_enc(is->contents, mid, enc);
        if (cur == v) { *pos = mid; return 1; }
        if (cur < v) lo = mid + 1;
        else { if (mid == 0) break; hi = mid - 1; }
    }
    *pos = lo;
    return 0;
}

fc_intset *fc_intset_new(void) {
    fc_intset *is = fc_malloc(sizeof(fc_intset));
    is->encoding = LE32(ENC16);
    is->length = 0;
    return is;
}

/* Re-encode every value at the wider encoding, then put v at the end it belongs to. */
static fc_intset *upgrade_and_add(fc_intset *is, int64_t v) {
    uint32_t old = hdr_enc(is), enc = value_enc(v), n = hdr_len(is);
    int prepend = v < 0;
    is->encoding = LE32(enc);
    is = resize(is, n + 1);
    /* Back to front so the wider writes never clobber unread narrow values. */
    for (uint32_t i = n; i-- > 0;) set_enc(is, i + (uint32_t)prepend, get_enc(is->contents, i, old), enc);
    set_enc(is, prepend ? 0 : n, v, enc);
    set_len(is, n + 1);
    return is;
}

fc_intset *fc_intset_add(fc_intset *is, int64_t value, uint8_t *success) {
    uint32_t pos, n = hdr_len(is);
    if (success) *success = 1;
    if (value_enc(value) > hdr_enc(is)) return upgrade_and_add(is, value);
    if (search(is, value, &pos)) {
        if (success) *success = 0;
        return is;
    }
    is = resize(is, n + 1);
    uint32_t enc = hdr_enc(is);
    if (pos < n)
        memmove(is->contents + (size_t)(pos + 1) * enc, is->contents + (size_t)pos * enc,
                (size_t)(n - pos) * enc);
    set_enc(is, pos, value, enc);
    set_len(is, n + 1);
    return is;
}

fc_intset *fc_intset_remove(fc_intset *is, int64_t value, int *success) {
    uint32_t pos, n = hdr_len(is), enc = hdr_enc(is);
    if (success) *success = 0;
    if (value_enc(value) > enc || !search(is, value, &pos)) return is;
    if (success) *success = 1;
    if (pos < n - 1)
        memmove(is->contents + (size_t)pos * enc, is->contents + (size_t)(pos + 1) * enc,
                (size_t)(n - pos - 1) * enc);
    is = resize(is, n - 1);
    set_len(is, n - 1);
    return is;
}

uint8_t fc_intset_find(fc_intset *is, int64_t value) {
    uint32_t pos;
    return value_enc(value) <= hdr_enc(is) && search(is, value, &pos);
}

uint8_t fc_intset_get(fc_intset *is, uint32_t pos, int64_t *value) {
    if (pos >= hdr_len(is)) return 0;
    *value = get_enc(is->contents, pos, hdr_enc(is));
    return 1;
}

uint32_t fc_intset_len(const fc_intset *is) { return hdr_len(is); }

size_t fc_intset_blob_len(fc_intset *is) { return sizeof(fc_intset) + (size_t)hdr_len(is) * hdr_enc(is); }

/* min/max of an empty set are 0 (callers check the length first). */
int64_t fc_intset_min(fc_intset *is) {
    return hdr_len(is) ? get_enc(is->contents, 0, hdr_enc(is)) : 0;
}

int64_t fc_intset_max(fc_intset *is) {
    uint32_t n = hdr_len(is);
    return n ? get_enc(is->contents, n - 1, hdr_enc(is)) : 0;
}

int fc_intset_validate(const unsigned char *p, size_t size, int deep) {
    uint32_t enc, n;
    if (p == NULL || size < sizeof(fc_intset)) return 0;
    memcpy(&enc, p, 4);
    memcpy(&n, p + 4, 4);
    enc = LE32(enc);
    n = LE32(n);
    if (enc != ENC16 && enc != ENC32 && enc != ENC64) return 0;
    /* Every value inside the buffer, and nothing after it. */
    if ((uint64_t)sizeof(fc_intset) + (uint64_t)n * enc != size) return 0;
    /* Redis refuses an empty intset (an empty set is never stored). */
    if (n == 0) return 0;
    if (!deep) return 1;
    const unsigned char *c = p + sizeof(fc_intset);
    int64_t prev = get_enc(c, 0, enc);
    for (uint32_t i = 1; i < n; i++) {
        int64_t cur = get_enc(c, i, enc);
        if (cur <= prev) return 0; /* strictly ascending: sorted, no duplicates */
        prev = cur;
    }
    return 1;
}
