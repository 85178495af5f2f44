/* glob.c -- glob matching with Redis 7.0 semantics; contract in glob.h.
 *
 * Algorithm: the classic single-backtrack-point wildcard matcher.  Every
 * token other than '*' consumes exactly one byte of the string, so when the
 * text after the most recent '*' fails, it is enough to let that '*' absorb
 * one more byte and retry; earlier stars never need revisiting (anything an
 * earlier star could absorb, the latest star can absorb too).  This gives
 * O(patternLen * stringLen) time for patterns like "a*a*a*...b" that make a
 * naive recursive matcher exponential (Redis 7.0 bounds that case with an
 * early-abort flag; the results are the same).
 *
 * Token parsing reproduces Redis's byte-level quirks exactly (see glob.h).
 * Redis's own matcher may peek one byte past the pattern (the sds NUL);
 * here every access is bounded, and behaves as if that byte were NUL.
 */
#include "glob.h"

#include <string.h>

static inline int fc_glob_lower(int c) {
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Match one non-'*' token starting at p[0] (plen >= 1 bytes left) against
 * the byte c.  Stores in *toklen how many pattern bytes the token spans
 * (independent of c).  Returns 1 if c matches. */
static int fc_glob_token(const char *p, int plen, char c, int nocase,
                         int *toklen) {
    int i;

    switch (p[0]) {
    case '?':
        *toklen = 1;
        return 1;

    case '[': {
        int negate, match = 0;
        i = 1;
        negate = (i < plen && p[i] == '^');
        if (negate) i++;
        for (;;) {
            if (i >= plen) {
                /* Unterminated class: it ends with the pattern. */
                break;
            }
            if (p[i] == '\\' && plen - i >= 2) {
                /* Escaped literal; case-sensitive even under nocase. */
                i++;
                if (p[i] == c) match = 1;
                i++;
            } else if (p[i] == ']') {
                i++; /* consume the closing bracket */
                break;
            } else if (plen - i >= 3 && p[i + 1] == '-') {
                /* Range.  Bounds and byte are plain (signed) chars, as in
                 * Redis; ends are ordered first, lowered after. */
                int start = (signed char)p[i];
                int end = (signed char)p[i + 2];
                int ch = (signed char)c;
                if (start > end) {
                    int t = start;
                    start = end;
                    end = t;
                }
                if (nocase) {
                    start = fc_glob_lower(start);
                    end = fc_glob_lower(end);
                    ch = fc_glob_lower(ch);
                }
                if (ch >= start && ch <= end) match = 1;
                i += 3;
            } else {
                if (nocase) {
                    if (fc_glob_lower((unsigned char)p[i]) ==
                        fc_glob_lower((unsigned char)c))
                        match = 1;
                } else if (p[i] == c) {
                    match = 1;
                }
                i++;
            }
        }
        *toklen = i;
        return negate ? !match : match;
    }

    case '\\':
        if (plen >= 2) {
            *toklen = 2;
            p++;
        } else {
            *toklen = 1; /* lone trailing backslash: literal '\' */
        }
        break;

    default:
        *toklen = 1;
        break;
    }
    /* Literal byte. */
    if (nocase)
        return fc_glob_lower((unsigned char)p[0]) ==
               fc_glob_lower((unsigned char)c);
    return p[0] == c;
}

int fc_stringmatchlen(const char *pattern, int patternLen, const char *string,
                      int stringLen, int nocase) {
    int p = 0, s = 0;
    int star_p = -1; /* pattern index just after the last '*', or -1 */
    int star_s = 0;  /* string index that '*' is tried from next */

    if (patternLen < 0 || stringLen < 0) return 0;
    /* Redis quirk: the empty string only matches the empty pattern. */
    if (stringLen == 0) return patternLen == 0;

    while (s < stringLen) {
        if (p < patternLen && pattern[p] == '*') {
            while (p < patternLen && pattern[p] == '*') p++;
            if (p == patternLen) return 1; /* trailing '*' eats the rest */
            star_p = p;
            star_s = s;
            continue;
        }
        if (p < patternLen) {
            int toklen;
            if (fc_glob_token(pattern + p, patternLen - p, string[s], nocase,
                              &toklen)) {
                p += toklen;
                s++;
                continue;
            }
        }
        /* Mismatch (or pattern exhausted with string left). */
        if (star_p < 0) return 0;
        star_s++;
        s = star_s;
        p = star_p;
    }
    /* String consumed: only '*'s may remain. */
    while (p < patternLen && pattern[p] == '*') p++;
    return p == patternLen;
}

int fc_stringmatch(const char *pattern, const char *string, int nocase) {
    return fc_stringmatchlen(pattern, (int)strlen(pattern), string,
                             (int)strlen(string), nocase);
}
