/* lzf.c -- LZF compressor and decompressor, written from the format
 * description in lzf.h.
 *
 * Compressor: greedy LZ77 over a direct-mapped table of the last position
 * seen for each 3-byte hash; see the note below on why its decisions are
 * liblzf's.  Every write is bounded by out_len: the function never overruns
 * and reports 0 when the output does not fit.
 */
#include "lzf.h"

#include <stdint.h>
#include <string.h>

/* The match finder reproduces the decisions of liblzf 3.6 as Redis builds it
 * (lzfP.h: HLOG 16, VERY_FAST, no INIT_HTAB, offsets in the hash table), so
 * that DUMP payloads and RDB strings come out byte-identical to Redis's:
 *  - the hash of the 3 bytes at p is IDX(h) = ((h >> 8) - h * 5) & 0xffff
 *    with h = p[0] << 16 | p[1] << 8 | p[2] (only those bits survive);
 *  - a candidate is taken when it is within 8 KiB, is not position 0 and its
 *    3 bytes match; matches never cover the last 2 input bytes, except
 *    through the 16-step fast path that liblzf runs when more than 16 bytes
 *    could match (it compares without the length bound, see below);
 *  - after a match, only the 2 positions before its end are hashed;
 *  - the table is never cleared: like liblzf's uninitialised stack table, a
 *    slot keeps the offset stored by an earlier call until overwritten, and a
 *    stale offset that happens to satisfy the checks is used.  Redis's table
 *    lives on its stack, so its stale slots are mostly earlier compressions'
 *    offsets too; keeping ours across calls reproduces that (a fork child
 *    inherits it as Redis's child inherits its stack).
 * Literal runs are at most 32 bytes; a run header is reserved before its
 * bytes and filled in when the run closes. */
#define FC_LZF_HLOG 16
#define FC_LZF_HSIZE (1u << FC_LZF_HLOG)
#define FC_LZF_MAX_LIT 32u           /* bytes per literal run */
#define FC_LZF_MAX_OFF (1u << 13)    /* 8192: furthest back reference */
#define FC_LZF_MAX_REF ((1u << 8) + (1u << 3)) /* 264: longest match */

static __thread uint32_t fc_lzf_htab[FC_LZF_HSIZE];

static inline uint32_t fc_lzf_idx(uint32_t h) {
    return ((h >> (3 * 8 - FC_LZF_HLOG)) - h * 5) & (FC_LZF_HSIZE - 1);
}

unsigned int fc_lzf_compress(const void *in_data, unsigned int in_len,
                             void *out_data, unsigned int out_len) {
    const unsigned char *in = (const unsigned char *)in_data;
    unsigned char *out = (unsigned char *)out_data;
    uint32_t *htab = fc_lzf_htab;
    uint32_t ip = 0, op = 1, lit = 0, h;   /* out[0]: header of the first run */

    if (in_len == 0 || out_len == 0) return 0;
    h = in_len >= 2 ? ((uint32_t)in[0] << 8) | in[1] : 0;
    while (ip + 2 < in_len) {
        uint32_t slot, ref, off;
        h = (h << 8) | in[ip + 2];
        slot = fc_lzf_idx(h);
        ref = htab[slot];
        htab[slot] = ip;
        off = ip - ref - 1;              /* wraps (rejected) when ref >= ip */
        if (off < FC_LZF_MAX_OFF && ref > 0 && in[ref + 2] == in[ip + 2] &&
            in[ref] == in[ip] && in[ref + 1] == in[ip + 1]) {
            uint32_t len = 2, maxlen = in_len - ip - 2, k;
            if (maxlen > FC_LZF_MAX_REF) maxlen = FC_LZF_MAX_REF;
            /* room for the reference and the next run header */
            if (op + 3 + 1 >= out_len && op - !lit + 3 + 1 >= out_len) return 0;
            out[op - lit - 1] = (unsigned char)(lit - 1);   /* close the run */
            op -= !lit;                                     /* (or drop it) */
            /* liblzf's fast path: 16 steps without the maxlen bound (the
             * bytes read stay inside the input since maxlen >= 17), then
             * the bounded loop -- a match may so end past maxlen by 1-2. */
            k = 0;
            if (maxlen > 16) {
                for (k = 0; k < 16; k++) {
                    len++;
                    if (in[ref + len] != in[ip + len]) break;
                }
            }
            if (k == 16 || maxlen <= 16) {
                do
                    len++;
                while (len < maxlen && in[ref + len] == in[ip + len]);
            }
            len -= 2;                    /* encoded: octets - 2 ... */
            ip++;                        /* ... and ip moves past the match: */
            if (len < 7) {
                out[op++] = (unsigned char)((off >> 8) + (len << 5));
            } else {
                out[op++] = (unsigned char)((off >> 8) + (7u << 5));
                out[op++] = (unsigned char)(len - 7);
            }
            out[op++] = (unsigned char)off;
            lit = 0;
            op++;                        /* header of the next run */
            ip += len + 1;
            if (ip + 2 >= in_len) break;
            /* hash the two positions before the match's end */
            ip -= 2;
            h = ((uint32_t)in[ip] << 8) | in[ip + 1];
            h = (h << 8) | in[ip + 2];
            htab[fc_lzf_idx(h)] = ip;
            ip++;
            h = (h << 8) | in[ip + 2];
            htab[fc_lzf_idx(h)] = ip;
            ip++;
        } else {
            if (op >= out_len) return 0;
            lit++;
            out[op++] = in[ip++];
            if (lit == FC_LZF_MAX_LIT) {
                out[op - lit - 1] = (unsigned char)(lit - 1);
                lit = 0;
                op++;
            }
        }
    }
    if (op + 3 > out_len) return 0;      /* at most 2 bytes and a header left */
    while (ip < in_len) {
        lit++;
        out[op++] = in[ip++];
        if (lit == FC_LZF_MAX_LIT) {
            out[op - lit - 1] = (unsigned char)(lit - 1);
            lit = 0;
            op++;
        }
    }
    out[op - lit - 1] = (unsigned char)(lit - 1);           /* close the run */
    op -= !lit;
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
