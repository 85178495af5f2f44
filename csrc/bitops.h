/* bitops.h -- BITCOUNT / BITPOS kernels over raw string bytes.
 *
 * Bit numbering is Redis's: bit 0 is the most significant bit of byte 0,
 * bit 8 the MSB of byte 1, and so on.  Inputs may be unaligned.
 */
#ifndef FC_BITOPS_H
#define FC_BITOPS_H

/* Number of set bits in s[0..count).  count <= 0 gives 0. */
long long fc_popcount(const void *s, long count);

/* Position of the first bit equal to `bit` (0 or 1; any non-zero value
 * means 1) in s[0..count), or -1 if there is none.  The caller applies
 * BITPOS's rule that looking for 0 in an all-ones string with no explicit
 * end returns the first bit past the end. */
long long fc_bitpos(const void *s, unsigned long count, int bit);

#endif /* FC_BITOPS_H */
