/* siphash.c -- SipHash-c-d, written from the SipHash paper (Aumasson and
 * Bernstein, 2012).  See siphash.h for the contract.
 *
 * One generic body parameterised by (c, d, nocase); the public entry points
 * pass constants, so after inlining the compiler emits three specialised
 * loops with no per-byte branching on the parameters.
 */
#include "siphash.h"

#include <string.h>

#define FC_ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* Little-endian 64-bit load that is safe on unaligned input (memcpy is
 * compiled to a single load on x86/arm64). */
static inline uint64_t fc_load_le64(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
           ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) |
           ((uint64_t)p[5] << 40) | ((uint64_t)p[6] << 48) |
           ((uint64_t)p[7] << 56);
#endif
}

/* ASCII lowercase of all 8 bytes of a word at once: for every byte in
 * 'A'..'Z' add 0x20.  Computed per byte lane without carries crossing lanes:
 * (b + 0x3f) has bit 7 set iff b >= 'A' (for b < 0x80); (b + 0x25) has bit 7
 * set iff b >= '[' .  Bytes >= 0x80 are excluded by masking with ~b. */
static inline uint64_t fc_lower_word(uint64_t w) {
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t b = w & low7;
    uint64_t ge_A = b + 0x3f3f3f3f3f3f3f3fULL;  /* bit7 set iff b >= 0x41 */
    uint64_t ge_Z1 = b + 0x2525252525252525ULL; /* bit7 set iff b >= 0x5b */
    uint64_t upper = ge_A & ~ge_Z1 & ~w & 0x8080808080808080ULL;
    return w | (upper >> 2); /* 0x80 >> 2 == 0x20 */
}

static inline uint8_t fc_lower_byte(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

#define FC_SIPROUND(v0, v1, v2, v3)                                          \
    do {                                                                     \
        v0 += v1; v1 = FC_ROTL64(v1, 13); v1 ^= v0; v0 = FC_ROTL64(v0, 32);   \
        v2 += v3; v3 = FC_ROTL64(v3, 16); v3 ^= v2;                           \
        v0 += v3; v3 = FC_ROTL64(v3, 21); v3 ^= v0;                           \
        v2 += v1; v1 = FC_ROTL64(v1, 17); v1 ^= v2; v2 = FC_ROTL64(v2, 32);   \
    } while (0)

static inline uint64_t fc_siphash_generic(const uint8_t *in, size_t len,
                                          const uint8_t key[16], int crounds,
                                          int drounds, int nocase) {
    uint64_t k0 = fc_load_le64(key), k1 = fc_load_le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k1;
    size_t nblocks = len / 8;
    uint64_t m, b;
    int i;

    for (size_t blk = 0; blk < nblocks; blk++) {
        m = fc_load_le64(in + blk * 8);
        if (nocase) m = fc_lower_word(m);
        v3 ^= m;
        for (i = 0; i < crounds; i++) FC_SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }

    /* Last block: remaining 0..7 bytes, with the length (mod 256) in the
     * top byte. */
    b = ((uint64_t)len) << 56;
    {
        const uint8_t *tail = in + nblocks * 8;
        size_t rem = len & 7;
        for (size_t j = 0; j < rem; j++) {
            uint8_t c = nocase ? fc_lower_byte(tail[j]) : tail[j];
            b |= (uint64_t)c << (8 * j);
        }
    }
    v3 ^= b;
    for (i = 0; i < crounds; i++) FC_SIPROUND(v0, v1, v2, v3);
    v0 ^= b;

    v2 ^= 0xff;
    for (i = 0; i < drounds; i++) FC_SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t fc_siphash(const uint8_t *in, size_t len, const uint8_t key[16]) {
    return fc_siphash_generic(in, len, key, 1, 2, 0);
}

uint64_t fc_siphash_nocase(const uint8_t *in, size_t len, const uint8_t key[16]) {
    return fc_siphash_generic(in, len, key, 1, 2, 1);
}

uint64_t fc_siphash24(const uint8_t *in, size_t len, const uint8_t key[16]) {
    return fc_siphash_generic(in, len, key, 2, 4, 0);
}
