/* util.h -- number <-> string conversions with Redis 7.0's exact acceptance
 * rules and output formats, and clocks.
 *
 * All parsers take (pointer, length) slices that need NOT be NUL-terminated
 * and may contain NUL bytes (a NUL makes the parse fail, as it does in Redis
 * where the sds length disagrees with strtod's stop position).  They return
 * 1 on success (storing the value if the out pointer is not NULL) and 0 on
 * failure (the out value is then unspecified).  Formatters write into a
 * caller buffer and return the length written, NUL-terminating when there
 * is room; they return 0 when the buffer is too small (see each function).
 *
 * Float parsing/printing uses strtod/strtold/snprintf, which honour
 * LC_NUMERIC: the process must keep the "C" numeric locale (Python does).
 */
#ifndef FC_UTIL_H
#define FC_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Longest string fc_string2ld accepts is FC_MAX_LONG_DOUBLE_CHARS - 1. */
#define FC_MAX_LONG_DOUBLE_CHARS (5 * 1024)
/* Buffer size enough for any fc_ll2string/fc_ull2string output plus NUL. */
#define FC_LONG_STR_SIZE 21
/* Buffer size enough for any fc_d2string / fc_double_reply_string output. */
#define FC_MAX_D2STRING_CHARS 128

/* fc_ld2string modes (same names and meanings as Redis's ld2string):
 *  FC_LD_STR_AUTO  "%.17Lg" (exponent form when needed).
 *  FC_LD_STR_HUMAN "%.17Lf", then trailing zeros after the dot and a bare
 *                  dot removed, and "-0" turned into "0".  This is the
 *                  output format of INCRBYFLOAT and HINCRBYFLOAT
 *                  (e.g. 0.1+0.2 -> "0.3", 1e20 -> "100000000000000000000").
 *  FC_LD_STR_HEX   "%La" (exact, used where a lossless text form is needed).
 * Infinity is printed "inf" / "-inf" in every mode. */
enum { FC_LD_STR_AUTO = 0, FC_LD_STR_HUMAN = 1, FC_LD_STR_HEX = 2 };

/* Strict integer parse (Redis string2ll): optional '-', then either "0" alone
 * or a digit 1-9 followed by digits; nothing else.  Rejected: empty, "-",
 * "-0", leading zeros ("01"), '+', any space, trailing bytes, overflow.
 * Accepts exactly the range [LLONG_MIN, LLONG_MAX]. */
int fc_string2ll(const char *s, size_t slen, long long *value);

/* As fc_string2ll, additionally requiring the value to fit a long. */
int fc_string2l(const char *s, size_t slen, long *value);

/* Decimal text of v into dst.  Returns the length (without NUL) or 0 if dst
 * cannot hold the digits; a NUL is written after the digits when there is a
 * byte left for it. */
int fc_ll2string(char *dst, size_t dstlen, long long v);
int fc_ull2string(char *dst, size_t dstlen, unsigned long long v);

/* Number of decimal digits of v (1 for 0). */
uint32_t fc_digits10(uint64_t v);

/* INCRBYFLOAT's parse (Redis string2ld): strtold over the whole slice.
 * Rejected: empty, length >= FC_MAX_LONG_DOUBLE_CHARS, leading whitespace,
 * trailing bytes (including trailing space or NUL), NaN, and results that
 * overflow to +-HUGE_VAL or underflow to zero with ERANGE.  Accepted: hex
 * floats, "inf"/"-inf"/"infinity" (INCRBYFLOAT rejects those later, when
 * the result is not finite), leading '+'. */
int fc_string2ld(const char *s, size_t slen, long double *dp);

/* Long double to text per mode (see FC_LD_STR_*).  Returns the length, or 0
 * if buf (len bytes including the NUL) is too small or mode is invalid.
 * Always NUL-terminates on success.  FC_MAX_LONG_DOUBLE_CHARS is enough for
 * any finite value in any mode. */
int fc_ld2string(char *buf, size_t len, long double value, int mode);

/* ZADD/score parse (Redis getDoubleFromObject / string2d): strtod over the
 * whole slice.  Rejected: empty, leading whitespace, trailing bytes, NaN,
 * overflow (ERANGE with +-HUGE_VAL), underflow to zero (ERANGE with 0).
 * Accepted: "inf", "-inf", "+1", ".5", "5.", hex floats, denormals
 * (e.g. "1e-310").  No length limit. */
int fc_string2d(const char *s, size_t slen, double *dp);

/* Redis 7.0's d2string: the text form used where a double is *stored* as a
 * string (listpack zset scores, ZRANGESTORE, SORT STORE ...): "nan", "inf",
 * "-inf"; a value with no fractional part that is strictly inside
 * (-2^52, 2^52) is printed as an integer (so -0.0 becomes "0"); anything
 * else "%.17g".  Returns the length, 0 if buf is too small. */
int fc_d2string(char *buf, size_t len, double value);

/* The text of a double in a *reply* (Redis 7.0 addReplyDouble, RESP2 bulk
 * payload and RESP3 ',' payload): "inf" / "-inf", otherwise "%.17g".  Note
 * -0.0 gives "-0" here (reference: ZSCORE of a skiplist member added with
 * score -0 replies "-0"; a listpack zset stores "0" via fc_d2string).
 * Returns the length, 0 if buf is too small. */
int fc_double_reply_string(char *buf, size_t len, double value);

/* Wall clock (CLOCK_REALTIME) in microseconds / milliseconds since the
 * epoch, and a monotonic clock in microseconds (arbitrary origin). */
long long fc_ustime(void);
long long fc_mstime(void);
long long fc_monotonic_us(void);

#endif /* FC_UTIL_H */
