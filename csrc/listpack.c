/* listpack.c -- see listpack.h for the format and the API contract.
 *
 * Written from the listpack format description (entry = <encoding+data><backlen>).
 * Byte compatibility with Redis 7.0 rests on four choices reproduced exactly:
 *  - integers take the smallest of the 7/13/16/24/32/64-bit encodings;
 *  - a string that is a canonical integer (fc_string2ll: no '+', no leading zero,
 *    no "-0", no spaces, at most 20 bytes) is stored as that integer;
 *  - strings take the 6-bit length form below 64 bytes, 12-bit below 4096, else 32-bit;
 *  - the backlen byte count switches at the thresholds Redis uses (<=127, <16383,
 *    <2097151, <268435455: note the strict '<' from the second one on), the first
 *    byte holding the most significant 7 bits, every following byte flagged with 0x80.
 * The header's element count saturates at 65535 ("unknown"), stays unknown through
 * inserts and deletes, and is re-learned only by fc_lp_length() when a count finds
 * fewer than 65535 elements (as Redis's lpLength does).
 *
 * Growth: an insert reallocates only when the allocator's usable size is too small
 * (fc_malloc_size), a shrink always reallocates to the exact size, as Redis does;
 * the blob itself never has slack, so its bytes equal Redis's for equal contents.
 */
#include <string.h>

#include "fcmalloc.h"
#include "listpack.h"
#include "util.h"

#define LP_HDR_SIZE 6
#define LP_HDR_NUMELE_UNKNOWN 65535u
#define LP_EOF 0xFF
#define LP_MAX_SAFETY_SIZE (1u << 30)

/* ---------------------------------------------------------------- header access */

static inline uint32_t rd_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void wr_u32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static inline uint32_t lp_numele(const unsigned char *lp) { return (uint32_t)lp[4] | ((uint32_t)lp[5] << 8); }
static inline void lp_set_numele(unsigned char *lp, uint32_t n) {
    lp[4] = (unsigned char)n; lp[5] = (unsigned char)(n >> 8);
}
/* The count after adding delta (+1 / -n) to a known count; unknown stays unknown. */
static inline void lp_adjust_numele(unsigned char *lp, long delta) {
    uint32_t n = lp_numele(lp);
    if (n == LP_HDR_NUMELE_UNKNOWN) return;
    long v = (long)n + delta;
    if (v < 0) v = 0; /* only reachable on a corrupt count */
    if (v >= (long)LP_HDR_NUMELE_UNKNOWN) v = LP_HDR_NUMELE_UNKNOWN;
    lp_set_numele(lp, (uint32_t)v);
}

/* ---------------------------------------------------------------- entry sizes */

/* Bytes of the backlen field for an entry whose encoding+data is l bytes. */
static inline uint32_t lp_backlen_size(uint64_t l) {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

static inline void lp_write_backlen(unsigned char *buf, uint64_t l) {
    uint32_t n = lp_backlen_size(l);
    /* buf[0] gets the top bits (no flag); each later byte carries 7 lower bits | 0x80,
     * so a reader starting at the last byte walks left while the flag is set. */
    for (uint32_t i = n; i-- > 0;) {
        unsigned char b = (unsigned char)(l & 127);
        if (i != 0) b |= 128;
        buf[i] = b;
        l >>= 7;
    }
}

/* Decode the backlen whose last byte is at p (reading leftwards). */
static inline uint64_t lp_read_backlen(const unsigned char *p) {
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        v |= (uint64_t)(p[0] & 127) << shift;
        if (!(p[0] & 128)) return v;
        shift += 7;
        p--;
        if (shift > 28) return v; /* never on our own blobs; validate() rejects it */
    }
}

/* Size of encoding+data of the entry at p (p must be a valid entry, not EOF). */
static inline uint64_t lp_enc_size(const unsigned char *p) {
    unsigned char b = p[0];
    if (b < 0x80) return 1;                                      /* 0xxxxxxx 7-bit uint */
    if ((b & 0xC0) == 0x80) return 1 + (uint64_t)(b & 0x3F);     /* 10xxxxxx 6-bit str */
    if ((b & 0xE0) == 0xC0) return 2;                            /* 110xxxxx 13-bit int */
    if ((b & 0xF0) == 0xE0) return 2 + (((uint64_t)(b & 0x0F) << 8) | p[1]); /* 12-bit str */
    switch (b) {
    case 0xF0: return 5 + (uint64_t)rd_u32(p + 1);                /* 32-bit str */
    case 0xF1: return 3;
    case 0xF2: return 4;
    case 0xF3: return 5;
    case 0xF4: return 9;
    default: return 0;                                           /* EOF or invalid */
    }
}

/* Bytes needed to read an entry's length: 0 for an invalid first byte. */
static inline uint32_t lp_len_bytes(unsigned char b) {
    if (b < 0xC0) return 1;
    if ((b & 0xE0) == 0xC0) return 2;
    if ((b & 0xF0) == 0xE0) return 2;
    if (b == 0xF0) return 5;
    if (b >= 0xF1 && b <= 0xF4) return 1;
    return 0;
}

static inline unsigned char *lp_skip(unsigned char *p) {
    uint64_t l = lp_enc_size(p);
    return p + l + lp_backlen_size(l);
}

/* ---------------------------------------------------------------- encoding */

/* An element to write: a header (integer bytes, or a string's length prefix)
 * followed by optional string bytes. */
typedef struct {
    unsigned char hdr[9];
    uint32_t hdrlen;
    const unsigned char *str;
    uint32_t slen;
} lp_elem;

static void lp_encode_int(lp_elem *e, long long v) {
    unsigned char *h = e->hdr;
    e->str = NULL;
    e->slen = 0;
    if (v >= 0 && v <= 127) {
        h[0] = (unsigned char)v;
        e->hdrlen = 1;
    } else if (v >= -4096 && v <= 4095) {
        uint32_t u = (uint32_t)(v < 0 ? (1 << 13) + v : v);
        h[0] = (unsigned char)(0xC0 | (u >> 8));
        h[1] = (unsigned char)u;
        e->hdrlen = 2;
    } else {
        uint64_t u = (uint64_t)v; /* two's complement: the low bytes are the encoding */
        int n;
        if (v >= -32768 && v <= 32767) { h[0] = 0xF1; n = 2; }
        else if (v >= -8388608 && v <= 8388607) { h[0] = 0xF2; n = 3; }
        else if (v >= -2147483648LL && v <= 2147483647LL) { h[0] = 0xF3; n = 4; }
        else { h[0] = 0xF4; n = 8; }
        for (int i = 0; i < n; i++) h[1 + i] = (unsigned char)(u >> (8 * i));
        e->hdrlen = 1 + (uint32_t)n;
    }
}

static void lp_encode_str(lp_elem *e, const unsigned char *s, uint32_t len) {
    long long v;
    /* Redis stores integer-looking strings as integers (lpEncodeGetType). */
    if (len > 0 && len < FC_LONG_STR_SIZE && fc_string2ll((const char *)s, len, &v)) {
        lp_encode_int(e, v);
        return;
    }
    unsigned char *h = e->hdr;
    if (len < 64) {
        h[0] = (unsigned char)(0x80 | len);
        e->hdrlen = 1;
    } else if (len < 4096) {
        h[0] = (unsigned char)(0xE0 | (len >> 8));
        h[1] = (unsigned char)len;
        e->hdrlen = 2;
    } else {
        h[0] = 0xF0;
        wr_u32(h + 1, len);
        e->hdrlen = 5;
    }
    e->str = s;
    e->slen = len;
}

/* ---------------------------------------------------------------- core insert */

/* Insert e before p (FC_LP_BEFORE/AFTER) or replace the entry at p (FC_LP_REPLACE);
 * e == NULL with REPLACE deletes.  p == NULL (or the EOF byte) means the end.
 * *newp = the written element, or for a delete the element that followed (NULL at
 * the end).  The string bytes must not point into lp: the blob may move before
 * they are copied. */
static unsigned char *lp_insert(unsigned char *lp, const lp_elem *e, unsigned char *p, int where,
                                unsigned char **newp) {
    size_t old_bytes = fc_lp_bytes(lp);
    if (p == NULL) {
        p = lp + old_bytes - 1;
        if (where == FC_LP_REPLACE) where = FC_LP_BEFORE; /* nothing to replace at the end */
    }
    if (where == FC_LP_AFTER && p[0] != LP_EOF) {
        p = lp_skip(p);
        where = FC_LP_BEFORE;
    } else if (where == FC_LP_AFTER) {
        where = FC_LP_BEFORE;
    }
    size_t poff = (size_t)(p - lp);
    size_t replaced = 0;
    if (where == FC_LP_REPLACE && p[0] != LP_EOF) replaced = (size_t)(lp_skip(p) - p);
    if (where == FC_LP_REPLACE && p[0] == LP_EOF && e == NULL) {
        if (newp) *newp = NULL;
        return lp;
    }
    uint64_t enclen = e ? (uint64_t)e->hdrlen + e->slen : 0;
    size_t entry = e ? (size_t)(enclen + lp_backlen_size(enclen)) : 0;
    size_t new_bytes = old_bytes + entry - replaced;
    if (new_bytes > UINT32_MAX) fc_oom(new_bytes); /* callers keep below fc_lp_safe_to_add */

    if (new_bytes > old_bytes && new_bytes > fc_malloc_size(lp)) lp = fc_realloc(lp, new_bytes);
    unsigned char *dst = lp + poff;
    memmove(dst + entry, dst + replaced, old_bytes - poff - replaced);
    if (new_bytes < old_bytes) {
        lp = fc_realloc(lp, new_bytes);
        dst = lp + poff;
    }
    if (e) {
        memcpy(dst, e->hdr, e->hdrlen);
        if (e->slen) memcpy(dst + e->hdrlen, e->str, e->slen);
        lp_write_backlen(dst + enclen, enclen);
    }
    wr_u32(lp, (uint32_t)new_bytes);
    if (e && replaced == 0) lp_adjust_numele(lp, 1);
    else if (!e && replaced) lp_adjust_numele(lp, -1);
    if (newp) *newp = (e || dst[0] != LP_EOF) ? dst : NULL;
    return lp;
}

/* ---------------------------------------------------------------- public API */

unsigned char *fc_lp_new(size_t capacity) {
    size_t n = capacity > LP_HDR_SIZE + 1 ? capacity : LP_HDR_SIZE + 1;
    unsigned char *lp = fc_malloc(n);
    wr_u32(lp, LP_HDR_SIZE + 1);
    lp_set_numele(lp, 0);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

void fc_lp_free(unsigned char *lp) { fc_free(lp); }

size_t fc_lp_bytes(const unsigned char *lp) { return rd_u32(lp); }

unsigned long fc_lp_length(unsigned char *lp) {
    uint32_t n = lp_numele(lp);
    if (n != LP_HDR_NUMELE_UNKNOWN) return n;
    unsigned long count = 0;
    for (unsigned char *p = fc_lp_first(lp); p; p = fc_lp_next(lp, p)) count++;
    if (count < LP_HDR_NUMELE_UNKNOWN) lp_set_numele(lp, (uint32_t)count);
    return count;
}

unsigned char *fc_lp_first(unsigned char *lp) {
    unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : p;
}

unsigned char *fc_lp_last(unsigned char *lp) {
    return fc_lp_prev(lp, lp + fc_lp_bytes(lp) - 1);
}

unsigned char *fc_lp_next(unsigned char *lp, unsigned char *p) {
    (void)lp;
    p = lp_skip(p);
    return p[0] == LP_EOF ? NULL : p;
}

unsigned char *fc_lp_prev(unsigned char *lp, unsigned char *p) {
    if (p <= lp + LP_HDR_SIZE) return NULL;
    uint64_t l = lp_read_backlen(p - 1);
    return p - (l + lp_backlen_size(l));
}

unsigned char *fc_lp_seek(unsigned char *lp, long index) {
    unsigned long n = fc_lp_length(lp);
    if (index < 0) {
        if ((unsigned long)(-(index + 1)) >= n) return NULL;
        index = (long)n + index;
    } else if ((unsigned long)index >= n) {
        return NULL;
    }
    unsigned char *p;
    if ((unsigned long)index > n / 2) {
        /* Closer to the tail: walk backwards. */
        unsigned long steps = n - 1 - (unsigned long)index;
        p = fc_lp_last(lp);
        while (steps--) p = fc_lp_prev(lp, p);
    } else {
        p = fc_lp_first(lp);
        while (index--) p = lp_skip(p);
    }
    return p;
}

unsigned char *fc_lp_get_value(unsigned char *p, uint32_t *len, long long *ival) {
    unsigned char b = p[0];
    if (b < 0x80) { *ival = b; return NULL; }
    if ((b & 0xC0) == 0x80) { *len = b & 0x3F; return p + 1; }
    if ((b & 0xE0) == 0xC0) {
        uint32_t u = ((uint32_t)(b & 0x1F) << 8) | p[1];
        *ival = u >= (1u << 12) ? (long long)u - (1 << 13) : (long long)u;
        return NULL;
    }
    if ((b & 0xF0) == 0xE0) { *len = ((uint32_t)(b & 0x0F) << 8) | p[1]; return p + 2; }
    if (b == 0xF0) { *len = rd_u32(p + 1); return p + 5; }
    int n = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
    uint64_t u = 0;
    for (int i = 0; i < n; i++) u |= (uint64_t)p[1 + i] << (8 * i);
    if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
    *ival = (long long)u;
    return NULL;
}

unsigned char *fc_lp_get_str(unsigned char *p, uint32_t *len, unsigned char *buf) {
    long long v;
    unsigned char *s = fc_lp_get_value(p, len, &v);
    if (s) return s;
    *len = (uint32_t)fc_ll2string((char *)buf, FC_LP_INTBUF_SIZE, v);
    return buf;
}

unsigned char *fc_lp_insert_string(unsigned char *lp, const unsigned char *s, uint32_t len,
                                   unsigned char *p, int where, unsigned char **newp) {
    lp_elem e;
    lp_encode_str(&e, s, len);
    return lp_insert(lp, &e, p, where, newp);
}

unsigned char *fc_lp_insert_integer(unsigned char *lp, long long v, unsigned char *p, int where,
                                    unsigned char **newp) {
    lp_elem e;
    lp_encode_int(&e, v);
    return lp_insert(lp, &e, p, where, newp);
}

unsigned char *fc_lp_append(unsigned char *lp, const unsigned char *s, uint32_t len) {
    return fc_lp_insert_string(lp, s, len, NULL, FC_LP_BEFORE, NULL);
}

unsigned char *fc_lp_prepend(unsigned char *lp, const unsigned char *s, uint32_t len) {
    return fc_lp_insert_string(lp, s, len, lp + LP_HDR_SIZE, FC_LP_BEFORE, NULL);
}

unsigned char *fc_lp_append_integer(unsigned char *lp, long long v) {
    return fc_lp_insert_integer(lp, v, NULL, FC_LP_BEFORE, NULL);
}

unsigned char *fc_lp_replace(unsigned char *lp, unsigned char **p, const unsigned char *s, uint32_t len) {
    return fc_lp_insert_string(lp, s, len, *p, FC_LP_REPLACE, p);
}

unsigned char *fc_lp_replace_integer(unsigned char *lp, unsigned char **p, long long v) {
    return fc_lp_insert_integer(lp, v, *p, FC_LP_REPLACE, p);
}

unsigned char *fc_lp_delete(unsigned char *lp, unsigned char *p, unsigned char **newp) {
    return lp_insert(lp, NULL, p, FC_LP_REPLACE, newp);
}

/* Remove the bytes [p, tail) holding `count` elements; returns the new blob and
 * sets *at to the offset of the first byte after the hole. */
static unsigned char *lp_cut(unsigned char *lp, unsigned char *p, unsigned char *tail,
                             unsigned long count, size_t *at) {
    size_t old_bytes = fc_lp_bytes(lp);
    size_t poff = (size_t)(p - lp), cut = (size_t)(tail - p);
    memmove(p, tail, old_bytes - poff - cut);
    size_t new_bytes = old_bytes - cut;
    lp = fc_realloc(lp, new_bytes);
    wr_u32(lp, (uint32_t)new_bytes);
    lp_adjust_numele(lp, -(long)count);
    *at = poff;
    return lp;
}

unsigned char *fc_lp_delete_range_with_entry(unsigned char *lp, unsigned char **p, unsigned long num) {
    unsigned char *start = *p, *tail = start;
    unsigned long count = 0;
    if (start == NULL || num == 0) return lp;
    while (count < num && tail[0] != LP_EOF) {
        tail = lp_skip(tail);
        count++;
    }
    size_t at;
    lp = lp_cut(lp, start, tail, count, &at);
    *p = lp[at] == LP_EOF ? NULL : lp + at;
    return lp;
}

unsigned char *fc_lp_delete_range(unsigned char *lp, long index, unsigned long num) {
    if (num == 0) return lp;
    unsigned char *p = fc_lp_seek(lp, index);
    if (p == NULL) return lp;
    return fc_lp_delete_range_with_entry(lp, &p, num);
}

int fc_lp_compare(unsigned char *p, const unsigned char *s, uint32_t slen) {
    uint32_t len;
    long long v, sv;
    unsigned char *str = fc_lp_get_value(p, &len, &v);
    if (str) return len == slen && (len == 0 || memcmp(str, s, len) == 0);
    /* An integer element equals exactly its canonical text, which is exactly the
     * text fc_string2ll accepts for that value. */
    return fc_string2ll((const char *)s, slen, &sv) && sv == v;
}

unsigned char *fc_lp_find(unsigned char *lp, unsigned char *p, const unsigned char *s, uint32_t slen,
                          unsigned int skip) {
    (void)lp;
    long long sv = 0;
    /* -1: not parsed yet; 0: s is no integer; 1: s is the integer sv.  Parsed lazily,
     * once, on the first integer element met. */
    int s_is_int = -1;
    unsigned int skipcnt = 0;
    while (p && p[0] != LP_EOF) {
        unsigned char b = p[0];
        uint64_t l = lp_enc_size(p);
        if (skipcnt == 0) {
            if ((b & 0xC0) == 0x80 || (b & 0xF0) == 0xE0 || b == 0xF0) {
                /* A string element: compare length first, then bytes. */
                uint32_t hl = (b & 0xC0) == 0x80 ? 1 : (b & 0xF0) == 0xE0 ? 2 : 5;
                if (l - hl == slen && (slen == 0 || memcmp(p + hl, s, slen) == 0)) return p;
            } else {
                if (s_is_int < 0) s_is_int = fc_string2ll((const char *)s, slen, &sv);
                if (s_is_int) {
                    uint32_t dummy;
                    long long v;
                    fc_lp_get_value(p, &dummy, &v);
                    if (v == sv) return p;
                }
            }
            skipcnt = skip;
        } else {
            skipcnt--;
        }
        p += l + lp_backlen_size(l);
    }
    return NULL;
}

int fc_lp_validate(const unsigned char *lp, size_t size, int deep) {
    if (lp == NULL || size < LP_HDR_SIZE + 1) return 0;
    if (rd_u32(lp) != size) return 0;
    if (lp[size - 1] != LP_EOF) return 0;
    if (!deep) return 1;
    size_t end = size - 1; /* offset of the terminator */
    size_t off = LP_HDR_SIZE;
    unsigned long count = 0;
    while (off < end) {
        const unsigned char *p = lp + off;
        uint32_t lb = lp_len_bytes(p[0]);
        if (lb == 0 || lb > end - off) return 0;       /* unknown encoding, or length past the end */
        uint64_t l = lp_enc_size(p);
        uint32_t bl = lp_backlen_size(l);
        if (l + bl > end - off) return 0;               /* entry runs into the terminator */
        unsigned char want[5];
        lp_write_backlen(want, l);
        if (memcmp(p + l, want, bl) != 0) return 0;     /* backlen must match the entry */
        off += (size_t)(l + bl);
        count++;
    }
    if (off != end) return 0;
    uint32_t n = lp_numele(lp);
    if (n != LP_HDR_NUMELE_UNKNOWN && n != count) return 0;
    return 1;
}

int fc_lp_safe_to_add(unsigned char *lp, size_t add) {
    size_t len = lp ? fc_lp_bytes(lp) : 0;
    return len + add <= LP_MAX_SAFETY_SIZE;
}
