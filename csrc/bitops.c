/* bitops.c -- popcount and bitpos; contract in bitops.h.
 *
 * Both walk a byte head up to 8-byte alignment, then whole 64-bit words
 * (loaded with memcpy, so no aliasing or alignment UB), then the byte tail.
 * Popcount uses the SWAR bit-slicing reduction (portable; no dependence on
 * the build enabling the POPCNT instruction), summing per-byte counts of
 * several words before the final horizontal add.
 */
#include "bitops.h"

#include <stdint.h>
#include <string.h>

static inline uint64_t fc_load64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Per-byte popcounts (each byte of the result holds 0..8). */
static inline uint64_t fc_popcount_bytes(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    return (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
}

static inline int fc_popcount_byte(unsigned char b) {
    static const unsigned char nib[16] = {0, 1, 1, 2, 1, 2, 2, 3,
                                          1, 2, 2, 3, 2, 3, 3, 4};
    return nib[b & 0x0f] + nib[b >> 4];
}

long long fc_popcount(const void *s, long count) {
    const unsigned char *p = (const unsigned char *)s;
    long long bits = 0;

    if (count <= 0) return 0;
    while (count > 0 && ((uintptr_t)p & 7)) {
        bits += fc_popcount_byte(*p++);
        count--;
    }
    /* Four words at a time: per-byte sums reach at most 4*8 = 32 < 256, so
     * adding the four byte-count vectors cannot carry across bytes. */
    while (count >= 32) {
        uint64_t acc = fc_popcount_bytes(fc_load64(p)) +
                       fc_popcount_bytes(fc_load64(p + 8)) +
                       fc_popcount_bytes(fc_load64(p + 16)) +
                       fc_popcount_bytes(fc_load64(p + 24));
        /* The total can reach 256, too much for one byte: fold to 16-bit
         * lanes before the multiply-add of the lanes. */
        acc = (acc & 0x00ff00ff00ff00ffULL) + ((acc >> 8) & 0x00ff00ff00ff00ffULL);
        bits += (long long)((acc * 0x0001000100010001ULL) >> 48);
        p += 32;
        count -= 32;
    }
    while (count >= 8) {
        bits += (long long)((fc_popcount_bytes(fc_load64(p)) *
                             0x0101010101010101ULL) >> 56);
        p += 8;
        count -= 8;
    }
    while (count > 0) {
        bits += fc_popcount_byte(*p++);
        count--;
    }
    return bits;
}

/* Index (0..7, MSB first) of the first set bit of a non-zero byte. */
static inline int fc_first_set_msb(unsigned char b) {
    int i = 0;
    while (!(b & (0x80 >> i))) i++;
    return i;
}

long long fc_bitpos(const void *s, unsigned long count, int bit) {
    const unsigned char *p = (const unsigned char *)s;
    /* Searching for a 0 bit == searching for a 1 bit in the inverted
     * bytes, so xor every byte with `flip` and look for a set bit. */
    const unsigned char flip = bit ? 0x00 : 0xff;
    const uint64_t skipword = bit ? 0ULL : ~0ULL;
    unsigned long i = 0;

    while (i < count && ((uintptr_t)(p + i) & 7)) {
        unsigned char b = (unsigned char)(p[i] ^ flip);
        if (b) return (long long)i * 8 + fc_first_set_msb(b);
        i++;
    }
    /* Skip whole words that cannot contain the bit. */
    while (count - i >= 8 && fc_load64(p + i) == skipword) i += 8;
    for (; i < count; i++) {
        unsigned char b = (unsigned char)(p[i] ^ flip);
        if (b) return (long long)i * 8 + fc_first_set_msb(b);
    }
    return -1;
}
