/* test_listpack.c -- standalone tests for csrc/listpack.c and csrc/intset.c.
 *
 * Build (tests/unit/test_listpack.py does this, with ASan+UBSan when available):
 *   gcc -std=c99 -O1 -g -Wall -Wextra -Icsrc tests/csrc/test_listpack.c \
 *       csrc/listpack.c csrc/intset.c csrc/util.c csrc/fcmalloc.c -lm
 * Usage: test_listpack [ops]   (default 100000 random operations per structure)
 * Exit status 0 iff every check passed.
 *
 * Layers: hand-written encodings (exact bytes of each width), a random-operation
 * run of every API function against an array model (each step re-validated and
 * compared both ways), the "unknown count" (>= 65535 elements) path, validate()
 * on random garbage / truncated / bit-flipped blobs (must never crash: the blobs
 * are exact-size heap copies so the sanitizer sees any over-read), and the same
 * for intset.  fc_used_memory must return to 0 (every byte freed, counted).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcmalloc.h"
#include "intset.h"
#include "listpack.h"
#include "util.h"

static int failures = 0;
static long checks = 0;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            failures++;                                                              \
            if (failures < 30) fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* xorshift64*: deterministic, seedable. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}
static uint64_t rnd_below(uint64_t n) { return n ? rnd() % n : 0; }

/* ------------------------------------------------------------ exact encodings */

static void check_bytes(const unsigned char *lp, const unsigned char *want, size_t n, int line) {
    checks++;
    if (fc_lp_bytes(lp) != n || memcmp(lp, want, n) != 0) {
        failures++;
        fprintf(stderr, "line %d: blob mismatch (%zu bytes, want %zu)\n", line, fc_lp_bytes(lp), n);
    }
}

/* One element's entry bytes (without header/terminator). */
static void expect_single(const char *s, const unsigned char *entry, size_t n, int line) {
    unsigned char *lp = fc_lp_new(0);
    lp = fc_lp_append(lp, (const unsigned char *)s, (uint32_t)strlen(s));
    unsigned char want[64];
    size_t total = 6 + n + 1;
    want[0] = (unsigned char)total; want[1] = want[2] = want[3] = 0;
    want[4] = 1; want[5] = 0;
    memcpy(want + 6, entry, n);
    want[6 + n] = 0xFF;
    check_bytes(lp, want, total, line);
    fc_lp_free(lp);
}
#define EXPECT1(s, ...) do { static const unsigned char e_[] = {__VA_ARGS__}; \
    expect_single(s, e_, sizeof e_, __LINE__); } while (0)

static void test_exact_encodings(void) {
    unsigned char *lp = fc_lp_new(0);
    static const unsigned char empty[] = {7, 0, 0, 0, 0, 0, 0xFF};
    check_bytes(lp, empty, 7, __LINE__);
    CHECK(fc_lp_first(lp) == NULL && fc_lp_last(lp) == NULL && fc_lp_length(lp) == 0);
    CHECK(fc_lp_seek(lp, 0) == NULL && fc_lp_seek(lp, -1) == NULL);
    CHECK(fc_lp_validate(lp, 7, 1));
    fc_lp_free(lp);

    EXPECT1("0", 0x00, 0x01);
    EXPECT1("127", 0x7F, 0x01);
    EXPECT1("128", 0xC0, 0x80, 0x02);
    EXPECT1("-1", 0xDF, 0xFF, 0x02);
    EXPECT1("4095", 0xCF, 0xFF, 0x02);
    EXPECT1("-4096", 0xD0, 0x00, 0x02);
    EXPECT1("4096", 0xF1, 0x00, 0x10, 0x03);
    EXPECT1("-4097", 0xF1, 0xFF, 0xEF, 0x03);
    EXPECT1("32767", 0xF1, 0xFF, 0x7F, 0x03);
    EXPECT1("32768", 0xF2, 0x00, 0x80, 0x00, 0x04);
    EXPECT1("-8388608", 0xF2, 0x00, 0x00, 0x80, 0x04);
    EXPECT1("8388608", 0xF3, 0x00, 0x00, 0x80, 0x00, 0x05);
    EXPECT1("2147483647", 0xF3, 0xFF, 0xFF, 0xFF, 0x7F, 0x05);
    EXPECT1("2147483648", 0xF4, 0, 0, 0, 0x80, 0, 0, 0, 0, 0x09);
    EXPECT1("-9223372036854775808", 0xF4, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x09);
    EXPECT1("9223372036854775807", 0xF4, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x09);
    /* Not canonical integers: stored as strings. */
    EXPECT1("", 0x80, 0x01);
    EXPECT1("012", 0x83, '0', '1', '2', 0x04);
    EXPECT1("-0", 0x82, '-', '0', 0x03);
    EXPECT1(" 1", 0x82, ' ', '1', 0x03);
    EXPECT1("+1", 0x82, '+', '1', 0x03);
    EXPECT1("9223372036854775808", 0x93, '9', '2', '2', '3', '3', '7', '2', '0', '3', '6', '8', '5', '4',
            '7', '7', '5', '8', '0', '8', 0x14);

    /* Length boundaries of strings and backlens. */
    static const struct { uint32_t len; unsigned hdr0, hdrlen, bl; } cases[] = {
        {63, 0xBF, 1, 1}, {64, 0xE0, 2, 1}, {125, 0xE0, 2, 1}, {126, 0xE0, 2, 2},
        {4095, 0xEF, 2, 2}, {4096, 0xF0, 5, 2}, {16377, 0xF0, 5, 2}, {16378, 0xF0, 5, 3},
        {100000, 0xF0, 5, 3}, {2097146, 0xF0, 5, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t len = cases[i].len;
        unsigned char *s = malloc(len);
        memset(s, 'x', len);
        lp = fc_lp_new(0);
        lp = fc_lp_append(lp, s, len);
        size_t total = fc_lp_bytes(lp);
        CHECK(total == 6 + cases[i].hdrlen + len + cases[i].bl + 1);
        CHECK(lp[6] == cases[i].hdr0);
        CHECK(fc_lp_validate(lp, total, 1));
        unsigned char *p = fc_lp_last(lp);
        CHECK(p == lp + 6);
        uint32_t got;
        long long v;
        unsigned char *str = fc_lp_get_value(p, &got, &v);
        CHECK(str != NULL && got == len && memcmp(str, s, len) == 0);
        free(s);
        fc_lp_free(lp);
    }
}

/* ------------------------------------------------------------ random model test */

typedef struct { unsigned char *s; uint32_t len; } elem;
#define MAXELEMS 400
static elem model[MAXELEMS];
static long nmodel = 0;

static void gen_elem(elem *e) {
    static const char *tricky[] = {"012", "-0", " 1", "+1", "1 ", "00", "-", "", "0", "-1",
                                   "9223372036854775807", "-9223372036854775808",
                                   "9223372036854775808", "63", "64", "4095", "4096",
                                   "-4096", "-4097", "32767", "32768", "-32768", "-32769",
                                   "8388607", "8388608", "-8388608", "-8388609",
                                   "2147483647", "2147483648", "-2147483648", "-2147483649"};
    char buf[32];
    uint64_t kind = rnd_below(100);
    if (kind < 35) {
        long long v;
        int shift = (int)rnd_below(64);
        v = (long long)(rnd() >> shift);
        if (rnd() & 1) v = -v;
        int n = snprintf(buf, sizeof buf, "%lld", v);
        e->len = (uint32_t)n;
        e->s = malloc((size_t)n + 1);
        memcpy(e->s, buf, (size_t)n);
    } else if (kind < 50) {
        const char *t = tricky[rnd_below(sizeof tricky / sizeof tricky[0])];
        e->len = (uint32_t)strlen(t);
        e->s = malloc(e->len + 1);
        memcpy(e->s, t, e->len);
    } else {
        uint64_t r = rnd_below(100);
        uint32_t len = r < 70 ? (uint32_t)rnd_below(70) : r < 90 ? (uint32_t)rnd_below(300)
                     : r < 98 ? 4090 + (uint32_t)rnd_below(12) : 16370 + (uint32_t)rnd_below(16);
        e->len = len;
        e->s = malloc(len + 1);
        for (uint32_t i = 0; i < len; i++) e->s[i] = (unsigned char)"ab\0\xff z"[rnd_below(6)];
    }
}

static void check_model(unsigned char *lp) {
    size_t bytes = fc_lp_bytes(lp);
    CHECK(fc_lp_validate(lp, bytes, 1));
    CHECK(fc_lp_length(lp) == (unsigned long)nmodel);
    unsigned char buf[FC_LP_INTBUF_SIZE];
    unsigned char *p = fc_lp_first(lp);
    long i = 0;
    for (; p && i < nmodel; i++, p = fc_lp_next(lp, p)) {
        uint32_t len;
        unsigned char *s = fc_lp_get_str(p, &len, buf);
        CHECK(len == model[i].len && (len == 0 || memcmp(s, model[i].s, len) == 0));
        CHECK(fc_lp_compare(p, model[i].s, model[i].len));
    }
    CHECK(p == NULL && i == nmodel);
    p = fc_lp_last(lp);
    for (i = nmodel - 1; p && i >= 0; i--, p = fc_lp_prev(lp, p)) {
        uint32_t len;
        unsigned char *s = fc_lp_get_str(p, &len, buf);
        CHECK(len == model[i].len && (len == 0 || memcmp(s, model[i].s, len) == 0));
    }
    CHECK(p == NULL && i == -1);
}

static void model_insert(long at, elem e) {
    memmove(model + at + 1, model + at, (size_t)(nmodel - at) * sizeof(elem));
    model[at] = e;
    nmodel++;
}
static void model_delete(long at, long n) {
    for (long i = at; i < at + n; i++) free(model[i].s);
    memmove(model + at, model + at + n, (size_t)(nmodel - at - n) * sizeof(elem));
    nmodel -= n;
}

static unsigned char *index_ptr(unsigned char *lp, long i) {
    /* Exercise both seek directions: negative index half of the time. */
    return (rnd() & 1) ? fc_lp_seek(lp, i) : fc_lp_seek(lp, i - nmodel);
}

static void test_random_model(long ops) {
    unsigned char *lp = fc_lp_new(rnd_below(64));
    for (long op = 0; op < ops; op++) {
        uint64_t what = rnd_below(14);
        /* Bound the element count and the blob size (reallocs copy it under ASan). */
        if (nmodel >= MAXELEMS - 2 || fc_lp_bytes(lp) > 48 * 1024) what = 9;
        elem e;
        long at = nmodel ? (long)rnd_below((uint64_t)nmodel) : 0;
        unsigned char *p, *np = NULL;
        switch (what) {
        case 0: case 1:
            gen_elem(&e);
            lp = fc_lp_append(lp, e.s, e.len);
            model_insert(nmodel, e);
            break;
        case 2:
            gen_elem(&e);
            lp = fc_lp_prepend(lp, e.s, e.len);
            model_insert(0, e);
            break;
        case 3: case 4: {
            gen_elem(&e);
            int where = (rnd() & 1) ? FC_LP_BEFORE : FC_LP_AFTER;
            p = nmodel ? index_ptr(lp, at) : NULL;
            long mat = nmodel == 0 ? 0 : where == FC_LP_BEFORE ? at : at + 1;
            lp = fc_lp_insert_string(lp, e.s, e.len, p, where, &np);
            model_insert(mat, e);
            uint32_t len; unsigned char b[FC_LP_INTBUF_SIZE];
            unsigned char *s = fc_lp_get_str(np, &len, b);
            CHECK(len == e.len && (len == 0 || memcmp(s, e.s, len) == 0));
            CHECK(np == fc_lp_seek(lp, mat));
            break;
        }
        case 5: {
            long long v = (long long)(rnd() >> rnd_below(64));
            if (rnd() & 1) v = -v;
            char buf[32];
            int n = snprintf(buf, sizeof buf, "%lld", v);
            e.len = (uint32_t)n; e.s = malloc((size_t)n); memcpy(e.s, buf, (size_t)n);
            if (nmodel && (rnd() & 1)) {
                p = index_ptr(lp, at);
                lp = fc_lp_replace_integer(lp, &p, v);
                free(model[at].s);
                model[at] = e;
                CHECK(p == fc_lp_seek(lp, at));
            } else if (rnd() & 1) {
                lp = fc_lp_append_integer(lp, v);
                model_insert(nmodel, e);
            } else {
                p = nmodel ? index_ptr(lp, at) : NULL;
                lp = fc_lp_insert_integer(lp, v, p, FC_LP_BEFORE, &np);
                model_insert(at, e);
                CHECK(np == fc_lp_seek(lp, at));
            }
            break;
        }
        case 6:
            if (!nmodel) break;
            gen_elem(&e);
            p = index_ptr(lp, at);
            lp = fc_lp_replace(lp, &p, e.s, e.len);
            free(model[at].s);
            model[at] = e;
            CHECK(p == fc_lp_seek(lp, at));
            break;
        case 7:
            if (!nmodel) break;
            p = index_ptr(lp, at);
            lp = fc_lp_delete(lp, p, &np);
            model_delete(at, 1);
            CHECK(np == (at < nmodel ? fc_lp_seek(lp, at) : NULL));
            break;
        case 8: {
            long n = (long)rnd_below(8);
            long idx = (rnd() & 1) ? at : at - nmodel;
            if (rnd_below(10) == 0) idx = nmodel + (long)rnd_below(3); /* out of range: no-op */
            lp = fc_lp_delete_range(lp, idx, (unsigned long)n);
            if (idx < nmodel && nmodel) {
                if (at + n > nmodel) n = nmodel - at;
                model_delete(at, n);
            }
            break;
        }
        case 9: {
            if (!nmodel) break;
            long n = (long)rnd_below(nmodel < 10 ? 4 : (uint64_t)nmodel / 2);
            p = index_ptr(lp, at);
            lp = fc_lp_delete_range_with_entry(lp, &p, (unsigned long)n);
            if (at + n > nmodel) n = nmodel - at;
            model_delete(at, n);
            CHECK(p == (at < nmodel ? fc_lp_seek(lp, at) : NULL));
            break;
        }
        case 10: case 11: {
            /* find: an element of the model (maybe) or a fresh value, with skip 0 or 1. */
            unsigned int skip = (unsigned int)rnd_below(2);
            long start = nmodel ? (long)rnd_below((uint64_t)nmodel) : 0;
            elem q;
            int fresh = !nmodel || (rnd() & 1);
            if (fresh) gen_elem(&q); else q = model[rnd_below((uint64_t)nmodel)];
            long want = -1;
            for (long i = start; i < nmodel; i += (long)skip + 1)
                if (model[i].len == q.len && (q.len == 0 || memcmp(model[i].s, q.s, q.len) == 0)) {
                    want = i;
                    break;
                }
            p = nmodel ? fc_lp_seek(lp, start) : NULL;
            unsigned char *got = fc_lp_find(lp, p, q.s, q.len, skip);
            CHECK(got == (want < 0 ? NULL : fc_lp_seek(lp, want)));
            if (fresh) free(q.s);
            break;
        }
        case 12:
            if (!nmodel) break;
            {
                /* get_value agrees with get_str. */
                p = index_ptr(lp, at);
                uint32_t len; long long v;
                unsigned char *s = fc_lp_get_value(p, &len, &v);
                if (!s) {
                    long long mv;
                    CHECK(fc_string2ll((const char *)model[at].s, model[at].len, &mv) && mv == v);
                } else {
                    CHECK(!fc_string2ll((const char *)model[at].s, model[at].len, NULL));
                }
            }
            break;
        case 13:
            CHECK(fc_lp_safe_to_add(lp, 100));
            CHECK(!fc_lp_safe_to_add(lp, (size_t)1 << 30));
            CHECK(fc_lp_safe_to_add(NULL, (size_t)1 << 30));
            break;
        }
        if (nmodel < 30 || (op % 7) == 0) check_model(lp);
        if (rnd_below(2000) == 0) { /* start over now and then */
            model_delete(0, nmodel);
            fc_lp_free(lp);
            lp = fc_lp_new(0);
        }
    }
    check_model(lp);
    model_delete(0, nmodel);
    fc_lp_free(lp);
}

/* ------------------------------------------------------------ 65535+ elements */

static void test_unknown_count(void) {
    unsigned char *lp = fc_lp_new(0);
    for (long i = 0; i < 70000; i++) lp = fc_lp_append_integer(lp, i % 100);
    CHECK(lp[4] == 0xFF && lp[5] == 0xFF);
    CHECK(fc_lp_length(lp) == 70000);
    CHECK(lp[4] == 0xFF && lp[5] == 0xFF); /* still >= 65535: stays "unknown" */
    CHECK(fc_lp_validate(lp, fc_lp_bytes(lp), 1));
    unsigned char *p = fc_lp_seek(lp, 69999);
    long long v; uint32_t len;
    CHECK(p && fc_lp_get_value(p, &len, &v) == NULL && v == 99);
    p = fc_lp_seek(lp, -70000);
    CHECK(p == fc_lp_first(lp));
    CHECK(fc_lp_seek(lp, 70000) == NULL && fc_lp_seek(lp, -70001) == NULL);
    lp = fc_lp_delete_range(lp, 0, 10000);
    CHECK(lp[4] == 0xFF && lp[5] == 0xFF); /* unknown is not decremented */
    CHECK(fc_lp_length(lp) == 60000);       /* ... until a count relearns it */
    CHECK(lp[4] == (60000 & 0xFF) && lp[5] == (60000 >> 8));
    CHECK(fc_lp_validate(lp, fc_lp_bytes(lp), 1));
    /* A count that is neither unknown nor right fails deep validation. */
    lp[4] ^= 1;
    CHECK(!fc_lp_validate(lp, fc_lp_bytes(lp), 1));
    CHECK(fc_lp_validate(lp, fc_lp_bytes(lp), 0));
    lp[4] ^= 1;
    fc_lp_free(lp);
}

/* ------------------------------------------------------------ validate on garbage */

static int validate_copy(const unsigned char *src, size_t n, int deep) {
    /* Exact-size heap copy: any read past n is a sanitizer error. */
    unsigned char *c = malloc(n ? n : 1);
    if (n) memcpy(c, src, n);
    int r = fc_lp_validate(c, n, deep);
    free(c);
    return r;
}

static void test_validate_garbage(long rounds) {
    unsigned char buf[600];
    long accepted = 0;
    for (long r = 0; r < rounds; r++) {
        size_t n = (size_t)rnd_below(sizeof buf);
        for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)rnd();
        if (n >= 7 && (rnd() & 1)) { /* pass the shallow checks to reach the entry walk */
            buf[0] = (unsigned char)n; buf[1] = (unsigned char)(n >> 8); buf[2] = buf[3] = 0;
            buf[n - 1] = 0xFF;
        }
        accepted += validate_copy(buf, n, 1);
        validate_copy(buf, n, 0);
    }
    CHECK(accepted < rounds / 100);
    /* Truncations and single-byte corruptions of valid blobs. */
    for (long r = 0; r < rounds / 20; r++) {
        unsigned char *lp = fc_lp_new(0);
        long k = (long)rnd_below(12);
        elem e;
        for (long i = 0; i < k; i++) {
            gen_elem(&e);
            if (e.len > 300) e.len = 300;
            lp = fc_lp_append(lp, e.s, e.len);
            free(e.s);
        }
        size_t bytes = fc_lp_bytes(lp);
        CHECK(validate_copy(lp, bytes, 1) == 1);
        size_t cut = (size_t)rnd_below(bytes);
        CHECK(validate_copy(lp, cut, 1) == 0);
        unsigned char *t = malloc(bytes);
        memcpy(t, lp, bytes);
        if (cut >= 7) { /* truncated with a consistent header and terminator */
            t[0] = (unsigned char)cut; t[1] = (unsigned char)(cut >> 8); t[2] = t[3] = 0;
            t[cut - 1] = 0xFF;
            validate_copy(t, cut, 1);
        }
        memcpy(t, lp, bytes);
        size_t at = 6 + (size_t)rnd_below(bytes - 6);
        t[at] ^= (unsigned char)(1 + rnd_below(255));
        validate_copy(t, bytes, 1);
        free(t);
        fc_lp_free(lp);
    }
}

/* ------------------------------------------------------------ intset */

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t gen_int(void) {
    static const int64_t edges[] = {0, 1, -1, INT16_MAX, INT16_MIN, INT16_MAX + 1LL, INT16_MIN - 1LL,
                                    INT32_MAX, INT32_MIN, INT32_MAX + 1LL, INT32_MIN - 1LL,
                                    INT64_MAX, INT64_MIN};
    uint64_t k = rnd_below(100);
    if (k < 5) return edges[rnd_below(sizeof edges / sizeof edges[0])];
    if (k < 75) return (int64_t)rnd_below(2000) - 1000;
    if (k < 90) return (int64_t)(int32_t)(uint32_t)rnd() >> rnd_below(32);
    return (int64_t)rnd() >> rnd_below(64);
}

static void test_intset(long ops) {
    static int64_t m[3000];
    uint32_t n = 0;
    fc_intset *is = fc_intset_new();
    CHECK(is->encoding == 2 && is->length == 0);
    CHECK(!fc_intset_validate((unsigned char *)is, 8, 1)); /* empty is invalid, as in Redis */
    for (long op = 0; op < ops; op++) {
        int64_t v = gen_int();
        uint64_t what = rnd_below(10);
        if (n > 2500) what = 9;
        if (what < 5) {
            uint8_t ok;
            int have = bsearch(&v, m, n, sizeof m[0], cmp64) != NULL;
            is = fc_intset_add(is, v, &ok);
            CHECK(ok == !have);
            if (!have) { m[n++] = v; qsort(m, n, sizeof m[0], cmp64); }
        } else if (what < 7) {
            CHECK(fc_intset_find(is, v) == (bsearch(&v, m, n, sizeof m[0], cmp64) != NULL));
        } else {
            int ok;
            if (n && (rnd() & 1)) v = m[rnd_below(n)];
            int64_t *hit = bsearch(&v, m, n, sizeof m[0], cmp64);
            is = fc_intset_remove(is, v, &ok);
            CHECK(ok == (hit != NULL));
            if (hit) { memmove(hit, hit + 1, (size_t)(m + n - hit - 1) * sizeof m[0]); n--; }
        }
        CHECK(fc_intset_len(is) == n);
        if ((op % 13) == 0 || n < 20) {
            int64_t got;
            for (uint32_t i = 0; i < n; i++) CHECK(fc_intset_get(is, i, &got) && got == m[i]);
            CHECK(!fc_intset_get(is, n, &got));
            if (n) {
                CHECK(fc_intset_min(is) == m[0] && fc_intset_max(is) == m[n - 1]);
                CHECK(fc_intset_validate((unsigned char *)is, fc_intset_blob_len(is), 1));
                /* The encoding is the smallest holding min and max (never downgraded,
                 * so only >=). */
                uint32_t need = 2;
                for (int j = 0; j < 2; j++) {
                    int64_t x = j ? m[n - 1] : m[0];
                    if (x < INT32_MIN || x > INT32_MAX) need = 8;
                    else if ((x < INT16_MIN || x > INT16_MAX) && need < 4) need = 4;
                }
                CHECK(is->encoding >= need);
            }
        }
        if (rnd_below(1500) == 0) { fc_free(is); is = fc_intset_new(); n = 0; }
    }
    fc_free(is);

    /* Exact bytes: upgrade order. */
    is = fc_intset_new();
    uint8_t ok;
    is = fc_intset_add(is, 5, &ok);
    is = fc_intset_add(is, -70000, &ok);
    is = fc_intset_add(is, 3, &ok);
    static const unsigned char want[] = {4, 0, 0, 0, 3, 0, 0, 0, 0x90, 0xEE, 0xFE, 0xFF, 3, 0, 0, 0, 5, 0, 0, 0};
    CHECK(fc_intset_blob_len(is) == sizeof want && memcmp(is, want, sizeof want) == 0);
    int rm;
    is = fc_intset_remove(is, -70000, &rm);
    CHECK(rm == 1 && is->encoding == 4 && is->length == 2); /* no downgrade */
    fc_free(is);

    /* validate on garbage and corruptions. */
    unsigned char buf[64];
    for (long r = 0; r < 20000; r++) {
        size_t len = (size_t)rnd_below(sizeof buf);
        for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)rnd();
        if (len >= 8 && (rnd() & 1)) {
            uint32_t enc = (uint32_t)(2u << rnd_below(3));
            uint32_t cnt = (uint32_t)((len - 8) / enc);
            memcpy(buf, &enc, 4); memcpy(buf + 4, &cnt, 4);
            len = 8 + cnt * enc;
            if (rnd() & 1) /* ascending small values: mostly valid */
                for (uint32_t i = 0; i < cnt; i++) {
                    memset(buf + 8 + i * enc, 0, enc);
                    buf[8 + i * enc] = (unsigned char)(i * 3 + (rnd() & 3));
                }
        }
        unsigned char *c = malloc(len ? len : 1);
        memcpy(c, buf, len);
        fc_intset_validate(c, len, 1);
        fc_intset_validate(c, len, 0);
        free(c);
    }
}

int main(int argc, char **argv) {
    long ops = argc > 1 ? atol(argv[1]) : 100000;
    test_exact_encodings();
    test_random_model(ops);
    test_unknown_count();
    test_validate_garbage(ops / 2);
    test_intset(ops);
    CHECK(fc_used_memory == 0);
    if (failures) {
        printf("%d of %ld checks FAILED\n", failures, checks);
        return 1;
    }
    printf("%ld checks passed\n", checks);
    return 0;
}
