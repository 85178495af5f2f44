/* util.c -- number conversions and clocks; see util.h for each contract.
 *
 * Every rule here reproduces an observable Redis 7.0 behaviour (checked
 * against redis-server 7.0.15, cases in tests/csrc/test_kernels.c):
 *  - INCR on "-0", "01", "+1", " 1" fails: integers have exactly one text.
 *  - INCRBYFLOAT accepts "0x10", "1e400" (finite as long double), rejects
 *    strings of 5k bytes or more and prints 1e20 as "100000000000000000000".
 *  - ZADD accepts "1e-310" (denormal), rejects "1e400" and "1e-400".
 * Float text goes through the C library (strtod/strtold/snprintf) on purpose:
 * Redis does the same, so rounding and the digits printed are identical.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c99 */
#endif

#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Integers                                                                  */
/* ------------------------------------------------------------------------ */

int fc_string2ll(const char *s, size_t slen, long long *value) {
    size_t i = 0;
    int negative = 0;
    unsigned long long v;

    /* No valid text is longer than "-9223372036854775808" (20 bytes). */
    if (slen == 0 || slen >= FC_LONG_STR_SIZE) return 0;

    /* "0" is the only text allowed to start with a zero. */
    if (slen == 1 && s[0] == '0') {
        if (value) *value = 0;
        return 1;
    }
    if (s[0] == '-') {
        negative = 1;
        i = 1;
        if (slen == 1) return 0;
    }
    /* First digit 1-9: rejects "-0", "00", "01", "-01", "+1", " 1". */
    if (s[i] < '1' || s[i] > '9') return 0;
    v = (unsigned long long)(s[i] - '0');
    for (i++; i < slen; i++) {
        unsigned int d = (unsigned int)(unsigned char)s[i] - '0';
        if (d > 9) return 0;
        if (v > ULLONG_MAX / 10) return 0;
        v *= 10;
        if (v > ULLONG_MAX - d) return 0;
        v += d;
    }
    if (negative) {
        /* |LLONG_MIN| == LLONG_MAX + 1 is representable only as unsigned. */
        if (v > (unsigned long long)LLONG_MAX + 1ULL) return 0;
        if (value) *value = (v == (unsigned long long)LLONG_MAX + 1ULL)
                                ? LLONG_MIN
                                : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX) return 0;
        if (value) *value = (long long)v;
    }
    return 1;
}

int fc_string2l(const char *s, size_t slen, long *lval) {
    long long ll;
    if (!fc_string2ll(s, slen, &ll)) return 0;
    if (ll < LONG_MIN || ll > LONG_MAX) return 0;
    if (lval) *lval = (long)ll;
    return 1;
}

uint32_t fc_digits10(uint64_t v) {
    uint32_t n = 1;
    /* Four digits per step keeps the common (small) case to a few compares. */
    for (;;) {
        if (v < 10ULL) return n;
        if (v < 100ULL) return n + 1;
        if (v < 1000ULL) return n + 2;
        if (v < 10000ULL) return n + 3;
        v /= 10000ULL;
        n += 4;
    }
}

/* "00".."99": two digits per division when formatting. */
static const char fc_digit_pairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

int fc_ull2string(char *dst, size_t dstlen, unsigned long long v) {
    uint32_t len = fc_digits10(v);
    uint32_t pos;
    if (dstlen < len) return 0;
    if (dstlen > len) dst[len] = '\0';
    pos = len;
    while (v >= 100) {
        unsigned int i = (unsigned int)(v % 100) * 2;
        v /= 100;
        dst[--pos] = fc_digit_pairs[i + 1];
        dst[--pos] = fc_digit_pairs[i];
    }
    if (v < 10) {
        dst[--pos] = (char)('0' + v);
    } else {
        unsigned int i = (unsigned int)v * 2;
        dst[--pos] = fc_digit_pairs[i + 1];
        dst[--pos] = fc_digit_pairs[i];
    }
    return (int)len;
}

int fc_ll2string(char *dst, size_t dstlen, long long v) {
    unsigned long long u;
    int n;
    if (v >= 0) return fc_ull2string(dst, dstlen, (unsigned long long)v);
    /* Negate in unsigned arithmetic: -LLONG_MIN overflows a long long. */
    u = 0ULL - (unsigned long long)v;
    if (dstlen < 2) return 0;
    dst[0] = '-';
    n = fc_ull2string(dst + 1, dstlen - 1, u);
    return n ? n + 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Floating point                                                            */
/* ------------------------------------------------------------------------ */

/* isspace() in the C locale, without the locale lookup. */
static inline int fc_is_c_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

int fc_string2ld(const char *s, size_t slen, long double *dp) {
    char buf[FC_MAX_LONG_DOUBLE_CHARS];
    char *eptr;
    long double value;

    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';

    errno = 0;
    value = strtold(buf, &eptr);
    if (fc_is_c_space(buf[0]) || (size_t)(eptr - buf) != slen ||
        (errno == ERANGE &&
         (isinf(value) || fpclassify(value) == FP_ZERO)) ||
        errno == EINVAL || isnan(value))
        return 0;
    if (dp) *dp = value;
    return 1;
}

int fc_ld2string(char *buf, size_t len, long double value, int mode) {
    int l;

    if (isinf(value)) {
        /* Spelled out rather than left to printf, whose spelling of
         * infinity varies across C libraries. */
        if (value > 0) {
            if (len < 4) return 0;
            memcpy(buf, "inf", 4);
            return 3;
        }
        if (len < 5) return 0;
        memcpy(buf, "-inf", 5);
        return 4;
    }
    switch (mode) {
    case FC_LD_STR_AUTO:
        l = snprintf(buf, len, "%.17Lg", value);
        if (l < 0 || (size_t)l + 1 > len) return 0;
        break;
    case FC_LD_STR_HEX:
        l = snprintf(buf, len, "%La", value);
        if (l < 0 || (size_t)l + 1 > len) return 0;
        break;
    case FC_LD_STR_HUMAN:
        /* 17 fractional digits, then trim: with 80-bit long doubles this
         * prints short decimals back the way the user typed them
         * (0.1 + 0.2 -> "0.3"). */
        l = snprintf(buf, len, "%.17Lf", value);
        if (l < 0 || (size_t)l + 1 > len) return 0;
        if (memchr(buf, '.', (size_t)l) != NULL) {
            while (buf[l - 1] == '0') l--;
            if (buf[l - 1] == '.') l--;
        }
        /* Tiny negatives and -0.0 print as "-0.000..." -> "-0"; Redis
         * replies "0" (INCRBYFLOAT of -1e-20 by 0 gives "0"). */
        if (l == 2 && buf[0] == '-' && buf[1] == '0') {
            buf[0] = '0';
            l = 1;
        }
        break;
    default:
        return 0;
    }
    buf[l] = '\0';
    return l;
}

/* Inputs shorter than this are copied to the stack for NUL termination;
 * longer ones (legal: "1.000...0" with thousands of zeros) go to the heap. */
#define FC_STRING2D_STACK 128

int fc_string2d(const char *s, size_t slen, double *dp) {
    char stackbuf[FC_STRING2D_STACK];
    char *buf = stackbuf;
    char *eptr;
    double value;
    int ok;

    if (slen == 0 || fc_is_c_space(s[0])) return 0;
    if (slen >= sizeof(stackbuf)) {
        buf = malloc(slen + 1);
        if (buf == NULL) return 0;
    }
    memcpy(buf, s, slen);
    buf[slen] = '\0';

    errno = 0;
    value = strtod(buf, &eptr);
    /* eptr short of the end also catches an embedded NUL ("1\0"). */
    ok = !((size_t)(eptr - buf) != slen ||
           (errno == ERANGE && (isinf(value) || fpclassify(value) == FP_ZERO)) ||
           isnan(value));
    if (buf != stackbuf) free(buf);
    if (ok && dp) *dp = value;
    return ok;
}

/* snprintf into buf, mapping truncation/errors to 0. */
static int fc_fmt_double(char *buf, size_t len, double value) {
    int l = snprintf(buf, len, "%.17g", value);
    if (l < 0 || (size_t)l + 1 > len) return 0;
    return l;
}

static int fc_copy_lit(char *buf, size_t len, const char *lit, size_t litlen) {
    if (len < litlen + 1) return 0;
    memcpy(buf, lit, litlen + 1);
    return (int)litlen;
}

int fc_d2string(char *buf, size_t len, double value) {
    if (isnan(value)) return fc_copy_lit(buf, len, "nan", 3);
    if (isinf(value)) {
        if (value < 0) return fc_copy_lit(buf, len, "-inf", 4);
        return fc_copy_lit(buf, len, "inf", 3);
    }
    /* Integral values inside (-2^52, 2^52) go through the integer printer:
     * the result equals "%.17g" except that -0.0 prints "0" (Redis 7.0
     * stores a listpack score of -0 as "0"). */
    if (value > -4503599627370495.0 && value < 4503599627370496.0 &&
        value == (double)(long long)value) {
        int l = fc_ll2string(buf, len, (long long)value);
        if (l == 0 || (size_t)l + 1 > len) return 0;
        return l;
    }
    return fc_fmt_double(buf, len, value);
}

int fc_double_reply_string(char *buf, size_t len, double value) {
    if (isinf(value)) {
        if (value < 0) return fc_copy_lit(buf, len, "-inf", 4);
        return fc_copy_lit(buf, len, "inf", 3);
    }
    return fc_fmt_double(buf, len, value);
}

/* ------------------------------------------------------------------------ */
/* Clocks                                                                    */
/* ------------------------------------------------------------------------ */

long long fc_ustime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000LL + (long long)(ts.tv_nsec / 1000);
}

long long fc_mstime(void) {
    return fc_ustime() / 1000;
}

long long fc_monotonic_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + (long long)(ts.tv_nsec / 1000);
}
