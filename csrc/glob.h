/* glob.h -- Redis glob-style matching (KEYS, SCAN MATCH, PSUBSCRIBE,
 * CONFIG GET, ACL key/channel patterns).
 *
 * Binary safe: pattern and string are (pointer, length) slices, never read
 * past their length, may contain NUL.  Runs in O(patternLen * stringLen)
 * time and O(1) space whatever the pattern (no recursion).
 */
#ifndef FC_GLOB_H
#define FC_GLOB_H

/* Returns 1 if string matches pattern, 0 otherwise.
 *
 * Syntax (Redis 7.0 semantics, quirks included and checked against the
 * reference server):
 *   *       any run of bytes; BUT an empty string is matched only by an
 *           empty pattern ("*" does not match "" -- KEYS * lists the empty
 *           key only because KEYS special-cases the pattern "*")
 *   ?       exactly one byte
 *   [...]   one byte from the class; [^...] negated; a-b ranges, reversed
 *           ranges allowed ([z-a] == [a-z]); \x inside a class is a literal
 *           x, compared case-sensitively even when nocase is set; "[]" is an
 *           empty class; "[a-]" is the range a..']' (the ']' is taken as the
 *           range end and the class goes on); a class left open at the end of
 *           the pattern uses all remaining pattern bytes ("[abc" == "[abc]",
 *           "[^" matches any byte); range bounds compare as *signed* chars,
 *           so [a-\xff] means [\xff-a] i.e. bytes -1..97
 *   \x      literal x; a trailing lone backslash is a literal backslash
 * nocase folds ASCII A-Z only.  In a nocase range both ends and the byte
 * are lowered after ordering the ends, so [Z-a] matches nothing. */
int fc_stringmatchlen(const char *pattern, int patternLen, const char *string,
                      int stringLen, int nocase);

/* NUL-terminated convenience wrapper. */
int fc_stringmatch(const char *pattern, const char *string, int nocase);

#endif /* FC_GLOB_H */
