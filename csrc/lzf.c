/* lzf.c -- LZF compressor and decompressor, written from the format
 * description in lzf.h.
 *
 * Compressor: greedy LZ77 with a direct-mapped hash table of the last
 * position seen for each 3-byte prefix (2^14 slots of uint32 = 64 KiB).
 * Positions are stored +1 so that 0 means "empty" and the table can be
 * zeroed with memset.  A candidate is used if it lies within the 8 KiB
 * window and its first three bytes really match (hash collisions are
 * possible).  Pending literals are emitted lazily in runs of at most 32.
 * Every write is preceded by an explicit bound check against out_len, so
 * the function never overruns and reports 0 when the output does not fit.
 */
#include "lzf.h"

#include <stdint.h>
#include <string.h>

#define FC_LZF_HLOG 14
#define FC_LZF_HSIZE (1u << FC_LZF_HLOG)
#define FC_LZF_MAX_LIT 32u           /* bytes per literal run */
#define FC_LZF_MAX_OFF (1u << 13)    /* 8192: furthest back reference */
#define FC_LZF_MAX_REF ((1u << 8) + (1u << 3)) /* 264: longest match */

static inline uint32_t fc_lzf_hash(const unsigned char *p) {
    uint32_t v = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
    return (v * 2654435761u) >> (32 - FC_LZF_HLOG);
}

/* Emit in[start..start+n) as literal runs.  Returns the new output index or
 * UINT32_MAX if it does not fit. */
static inline uint32_t fc_lzf_emit_literals(const unsigned char *in,
                                            uint32_t start, uint32_t n,
                                            unsigned char *out, uint32_t op,
                                            uint32_t out_len) {
    while (n) {
        uint32_t run = n < FC_LZF_MAX_LIT ? n : FC_LZF_MAX_LIT;
        if ((uint64_t)op + 1 + run > out_len) return UINT32_MAX;
        out[op++] = (unsigned char)(run - 1);
        memcpy(out + op, in + start, run);
        op += run;
        start += run;
        n -= run;
    }
    return op;
}

unsigned int fc_lzf_compress(const void *in_data, unsigned int in_len,
                             void *out_data, unsigned int out_len) {
    const unsigned char *in = (const unsigned char *)in_data;
    unsigned char *out = (unsigned char *)out_data;
    uint32_t htab[FC_LZF_HSIZE];
    uint32_t ip = 0, op = 0, lit_start = 0;

    if (in_len == 0) return 0;
    memset(htab, 0, sizeof(htab));

    /* A match needs 3 bytes at ip. */
    while (in_len - ip >= 3) {
        uint32_t h = fc_lzf_hash(in + ip);
        uint32_t cand = htab[h];
        htab[h] = ip + 1;
        if (cand) {
            uint32_t ref = cand - 1;
            uint32_t off = ip - ref - 1; /* encoded offset */
            if (off < FC_LZF_MAX_OFF && in[ref] == in[ip] &&
                in[ref + 1] == in[ip + 1] && in[ref + 2] == in[ip + 2]) {
                uint32_t maxlen = in_len - ip;
                uint32_t len = 3, l;
                if (maxlen > FC_LZF_MAX_REF) maxlen = FC_LZF_MAX_REF;
                while (len < maxlen && in[ref + len] == in[ip + len]) len++;

                op = fc_lzf_emit_literals(in, lit_start, ip - lit_start, out,
                                          op, out_len);
                if (op == UINT32_MAX) return 0;
                l = len - 2; /* encoded length, 1..262 */
                if (l < 7) {
                    if ((uint64_t)op + 2 > out_len) return 0;
                    out[op++] = (unsigned char)((l << 5) | (off >> 8));
                } else {
                    if ((uint64_t)op + 3 > out_len) return 0;
                    out[op++] = (unsigned char)((7u << 5) | (off >> 8));
                    out[op++] = (unsigned char)(l - 7);
                }
                out[op++] = (unsigned char)(off & 0xff);

                /* Index the positions inside the match too (cheap, and it
                 * finds repeats of longer periods), then skip past it. */
                {
                    uint32_t end = ip + len, q;
                    for (q = ip + 1; q < end && in_len - q >= 3; q++)
                        htab[fc_lzf_hash(in + q)] = q + 1;
                    ip = end;
                }
                lit_start = ip;
                continue;
            }
        }
        ip++;
    }
    op = fc_lzf_emit_literals(in, lit_start, in_len - lit_start, out, op,
                              out_len);
    if (op == UINT32_MAX) return 0;
    return op;
}

unsigned int fc_lzf_decompress(const void *in_data, unsigned int in_len,
                               void *out_data, unsigned int out_len) {
    const unsigned char *in = (const unsigned char *)in_data;
    unsigned char *out = (unsigned char *)out_data;
    uint32_t ip = 0, op = 0;

    if (in_len == 0) return 0;
    while (ip < in_len) {
        uint32_t ctrl = in[ip++];
        if (ctrl < 0x20) {
            uint32_t run = ctrl + 1;
            if (in_len - ip < run) return 0;   /* truncated input */
            if (out_len - op < run) return 0;  /* output too small */
            if (in_len - ip >= 32 && out_len - op >= 32) {
                /* Fixed-size copy (inlined by the compiler); the bytes past
                 * `run` are scratch that later chunks overwrite. */
                memcpy(out + op, in + ip, 32);
            } else {
                memcpy(out + op, in + ip, run);
            }
            ip += run;
            op += run;
        } else {
            uint32_t len = ctrl >> 5, back;
            if (len == 7) {
                if (ip >= in_len) return 0;
                len += in[ip++];
            }
            if (ip >= in_len) return 0;
            back = ((ctrl & 0x1f) << 8) + in[ip++] + 1;
            len += 2;
            if (back > op) return 0;          /* before start of output */
            if (out_len - op < len) return 0; /* output too small */
            /* Source and destination overlap when back < len (a distance
             * shorter than the length encodes a repeating run): copy in
             * pieces of at most `back` bytes, each of which is disjoint
             * from its source; a distance of 1 is a plain byte run. */
            if (back >= 8 && out_len - op >= len + 8) {
                /* 8-byte steps: each step's source ends at or before its
                 * destination starts, so overlap is harmless; the final step
                 * may write up to 7 scratch bytes, within out_len. */
                uint32_t done;
                for (done = 0; done < len; done += 8)
                    memcpy(out + op + done, out + op + done - back, 8);
            } else if (back == 1) {
                memset(out + op, out[op - 1], len);
            } else {
                uint32_t done = 0;
                while (done < len) {
                    uint32_t piece = len - done < back ? len - done : back;
                    memcpy(out + op + done, out + op + done - back, piece);
                    done += piece;
                }
            }
            op += len;
        }
    }
    return op;
}
