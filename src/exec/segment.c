/* segment.c - k6's execution segments, sequences and striping (see segment.h).
 *
 * Follows k6's lib/execution_segment.go: the value spellings of its
 * stringToRat (Go's big.Rat / big.Int parsers), the range checks and messages
 * of NewExecutionSegment, the sequence filling of
 * GetFilledExecutionSegmentSequence, the striping of
 * NewExecutionSegmentSequenceWrapper and the re-cutting of
 * GetNewExecutionSegmentSequenceFromValue. k6 uses big rationals; c6 uses
 * int64 rationals with 128-bit intermediates and refuses what does not fit,
 * which no practical segment comes near.
 */
#include "exec/segment.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

/* ---- rationals ---------------------------------------------------------- */

static u128 gcd_u128(u128 a, u128 b) {
    while (b) {
        u128 r = a % b;
        a = b;
        b = r;
    }
    return a;
}

static int64_t gcd64(int64_t a, int64_t b) { return (int64_t)gcd_u128((u128)(a < 0 ? -a : a), (u128)(b < 0 ? -b : b)); }

/* num/den (den > 0) reduced into *out; false when it does not fit int64. */
static bool rat_make(i128 num, u128 den, c6_rat *out) {
    bool neg = num < 0;
    u128 mag = neg ? (u128)(-num) : (u128)num;
    u128 g = gcd_u128(mag, den);
    if (g > 1) {
        mag /= g;
        den /= g;
    }
    if (mag > (u128)INT64_MAX || den > (u128)INT64_MAX) return false;
    out->num = neg ? -(int64_t)mag : (int64_t)mag;
    out->den = (int64_t)den;
    return true;
}

static int rat_cmp(c6_rat a, c6_rat b) {
    i128 l = (i128)a.num * b.den, r = (i128)b.num * a.den;
    return (l > r) - (l < r);
}

static bool rat_eq(c6_rat a, c6_rat b) { return a.num == b.num && a.den == b.den; }

static const c6_rat RAT0 = {0, 1}, RAT1 = {1, 1};

/* b - a; false when the reduced difference does not fit int64. */
static bool rat_sub(c6_rat b, c6_rat a, c6_rat *out) {
    return rat_make((i128)b.num * a.den - (i128)a.num * b.den, (u128)b.den * (u128)a.den, out);
}

/* Go's Rat.FloatString(2): two decimals, halves rounded away from zero. */
static void rat_float2(c6_rat r, char *buf, size_t n) {
    u128 mag = (u128)(r.num < 0 ? -(i128)r.num : (i128)r.num) * 100;
    u128 q = mag / (u128)r.den, rem = mag % (u128)r.den;
    if (2 * rem >= (u128)r.den) q++;
    snprintf(buf, n, "%s%llu.%02u", r.num < 0 ? "-" : "", (unsigned long long)(q / 100), (unsigned)(q % 100));
}

/* ---- parsing one value -------------------------------------------------- */

/* Digits of `base` at s..end into *v; false on a bad digit or overflow. */
static bool scan_digits(const char *s, const char *end, int base, u128 *v) {
    u128 acc = 0;
    for (; s < end; s++) {
        int d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (*s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else return false;
        if (d >= base || acc > ((u128)INT64_MAX * 16)) return false;
        acc = acc * (u128)base + (u128)d;
    }
    *v = acc;
    return true;
}

/* An unsigned integer as Go's Int.SetString(s, 0) reads it: 0x / 0o / 0b
 * prefixes, and a leading 0 means octal ("010" = 8). */
static bool scan_uint_base0(const char *s, const char *end, u128 *v) {
    int base = 10;
    if (end - s >= 2 && s[0] == '0') {
        char p = (char)(s[1] | 0x20);
        if (p == 'x') base = 16, s += 2;
        else if (p == 'o') base = 8, s += 2;
        else if (p == 'b') base = 2, s += 2;
        else base = 8, s += 1;
    }
    return s < end && scan_digits(s, end, base, v);
}

/* "a/b" with a signed numerator and an unsigned, non-zero denominator. */
static bool parse_fraction(const char *s, const char *slash, const char *end, c6_rat *out) {
    bool neg = false;
    if (s < slash && (*s == '+' || *s == '-')) neg = *s++ == '-';
    u128 a, b;
    if (!scan_uint_base0(s, slash, &a) || !scan_uint_base0(slash + 1, end, &b) || b == 0) return false;
    return rat_make(neg ? -(i128)a : (i128)a, b, out);
}

/* A decimal "[+-]digits[.digits][(e|E)[+-]digits]", kept exact. Zeros are
 * held back until a non-zero digit follows, so "0.5000000000000000000000"
 * is 1/2 however many zeros trail; more than 36 significant digits, or
 * values whose reduced form does not fit int64, are refused. */
static bool parse_decimal(const char *s, const char *end, c6_rat *out) {
    bool neg = false, dot = false;
    if (s < end && (*s == '+' || *s == '-')) neg = *s++ == '-';
    u128 mant = 0;
    int ndigits = 0, sig = 0, scale = 0; /* value = mant * 10^-scale */
    int zeros = 0, frac_zeros = 0;       /* zeros held back, and those after the dot */
    for (; s < end && ((*s >= '0' && *s <= '9') || (*s == '.' && !dot)); s++) {
        if (*s == '.') {
            dot = true;
            continue;
        }
        ndigits++;
        if (*s == '0') {
            zeros++;
            frac_zeros += dot;
            continue;
        }
        if (mant != 0 && (sig += zeros) > 36) return false;
        if (++sig > 36) return false;
        for (; zeros > 0; zeros--) mant *= 10;
        mant = mant * 10 + (u128)(*s - '0');
        scale += frac_zeros + dot;
        frac_zeros = 0;
    }
    if (ndigits == 0) return false;
    if (mant != 0) { /* integer-part zeros count; zeros after the dot do not */
        if ((sig += zeros - frac_zeros) > 36) return false;
        for (zeros -= frac_zeros; zeros > 0; zeros--) mant *= 10;
    }
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
        bool eneg = false;
        if (s < end && (*s == '+' || *s == '-')) eneg = *s++ == '-';
        if (s == end) return false;
        int e = 0;
        for (; s < end && *s >= '0' && *s <= '9'; s++)
            if ((e = e * 10 + (*s - '0')) > 1000) return false;
        scale += eneg ? e : -e;
    }
    if (s != end) return false;
    if (mant == 0) scale = 0;
    for (; scale > 0 && mant % 10 == 0; scale--) mant /= 10;
    u128 den = 1;
    for (; scale > 0; scale--) {
        if (den > (u128)1 << 120) return false;
        den *= 10;
    }
    for (; scale < 0; scale++) {
        if (mant > (u128)1 << 120) return false;
        mant *= 10;
    }
    return rat_make(neg ? -(i128)mant : (i128)mant, den, out);
}

/* "25%": a base-10 integer (Go's Int.SetString(s, 10)) over 100. */
static bool parse_percent(const char *s, const char *end, c6_rat *out) {
    bool neg = false;
    if (s < end && (*s == '+' || *s == '-')) neg = *s++ == '-';
    u128 v;
    if (s == end || !scan_digits(s, end, 10, &v)) return false;
    return rat_make(neg ? -(i128)v : (i128)v, 100, out);
}

/* k6's stringToRat on s..end, with its messages; `what` and `input` name the
 * whole option value in the error. */
static int segment_parse_value(const char *s, const char *end, c6_rat *out, const char *what, const char *input,
                               char *err, size_t errlen) {
    int len = (int)(end - s);
    if (len > 0 && end[-1] == '%') {
        if (!parse_percent(s, end - 1, out))
            return err_set(err, errlen, "invalid %s \"%.200s\": '%.*s' is not a valid percentage", what, input, len, s);
        return 0;
    }
    const char *slash = memchr(s, '/', (size_t)len);
    if (slash ? parse_fraction(s, slash, end, out) : parse_decimal(s, end, out)) return 0;
    return err_set(err, errlen,
                   "invalid %s \"%.200s\": '%.*s' is not a valid percentage, decimal, fraction "
                   "or interval value",
                   what, input, len, s);
}

/* k6's NewExecutionSegment checks, in its order and words. */
static int check_segment(c6_rat from, c6_rat to, const char *what, const char *input, char *err, size_t errlen) {
    char a[48], b[48];
    if (rat_cmp(from, RAT0) < 0) {
        rat_float2(from, a, sizeof(a));
        return err_set(err, errlen, "invalid %s \"%.200s\": segment start value must be at least 0 but was %s", what,
                       input, a);
    }
    if (rat_cmp(from, to) >= 0) {
        rat_float2(from, a, sizeof(a));
        rat_float2(to, b, sizeof(b));
        return err_set(err, errlen, "invalid %s \"%.200s\": segment start(%s) must be less than its end(%s)", what,
                       input, a, b);
    }
    if (rat_cmp(to, RAT1) > 0) {
        rat_float2(to, a, sizeof(a));
        return err_set(err, errlen, "invalid %s \"%.200s\": segment end value can't be more than 1 but was %s", what,
                       input, a);
    }
    c6_rat len; /* c6's own limit: the length must be an int64 rational too */
    if (!rat_sub(to, from, &len))
        return err_set(err, errlen, "invalid %s \"%.200s\": the values are too precise for c6", what, input);
    return 0;
}

/* ---- segments and sequences --------------------------------------------- */

int c6_segment_parse(const char *s, c6_segment *out, char *err, size_t errlen) {
    static const char what[] = "execution segment";
    c6_segment seg = {RAT0, RAT1};
    size_t len = strlen(s);
    if (len > 0) {
        /* k6 splits at the first ':' only: "0:1:1" has the end "1:1". */
        const char *colon = strchr(s, ':'), *to = s;
        if (colon) {
            if (segment_parse_value(s, colon, &seg.from, what, s, err, errlen)) return -1;
            to = colon + 1;
        }
        if (segment_parse_value(to, s + len, &seg.to, what, s, err, errlen)) return -1;
    }
    if (check_segment(seg.from, seg.to, what, s, err, errlen)) return -1;
    *out = seg;
    return 0;
}

int c6_segment_seq_parse(const char *s, c6_segment_seq *out, char *err, size_t errlen) {
    static const char what[] = "execution segment sequence";
    c6_segment_seq seq = {0};
    if (*s == '\0') {
        *out = seq;
        return 0;
    }
    int commas = 0;
    for (const char *p = s; *p; p++) commas += *p == ',';
    if (commas == 0)
        return err_set(err, errlen,
                       "invalid %s \"%.200s\": at least 2 points are needed for an execution "
                       "segment sequence, 1 given",
                       what, s);
    if (commas + 1 > C6_SEGMENT_MAX_POINTS)
        return err_set(err, errlen, "invalid %s \"%.200s\": %d points given, c6 takes at most %d", what, s, commas + 1,
                       C6_SEGMENT_MAX_POINTS);
    /* Like k6, each point is parsed and then checked against the previous
     * one before the next point is looked at. */
    for (const char *p = s;; p++) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        if (segment_parse_value(p, end, &seq.pt[seq.n], what, s, err, errlen)) return -1;
        if (seq.n > 0 && check_segment(seq.pt[seq.n - 1], seq.pt[seq.n], what, s, err, errlen)) return -1;
        seq.n++;
        if (*end == '\0') break;
        p = end;
    }
    *out = seq;
    return 0;
}

/* snprintf-style accumulation: `at` keeps counting past a full buffer. */
typedef struct {
    char *buf;
    size_t n, at;
} sbuf;

static void sb_rat(sbuf *b, const char *sep, c6_rat r) {
    char *p = b->at < b->n ? b->buf + b->at : NULL;
    size_t room = b->at < b->n ? b->n - b->at : 0;
    int w = r.den == 1 ? snprintf(p, room, "%s%lld", sep, (long long)r.num)
                       : snprintf(p, room, "%s%lld/%lld", sep, (long long)r.num, (long long)r.den);
    b->at += w > 0 ? (size_t)w : 0;
}

size_t c6_segment_format(const c6_segment *seg, char *buf, size_t n) {
    sbuf b = {buf, n, 0};
    sb_rat(&b, "", seg->from);
    sb_rat(&b, ":", seg->to);
    return b.at;
}

size_t c6_segment_seq_format(const c6_segment_seq *seq, char *buf, size_t n) {
    sbuf b = {buf, n, 0};
    if (n) buf[0] = '\0';
    for (int i = 0; i < seq->n; i++) sb_rat(&b, i ? "," : "", seq->pt[i]);
    return b.at;
}

void c6_rat_reduce(int64_t num, int64_t den, c6_rat *out) {
    int64_t g = gcd64(num, den);
    out->num = num / g;
    out->den = den / g;
}

c6_rat c6_segment_length(const c6_segment *seg) {
    c6_rat len = RAT0;
    rat_sub(seg->to, seg->from, &len); /* fits: parsing checked it */
    return len;
}

/* ---- striping ------------------------------------------------------------ */

/* The dealing state of k6's striping: unit i of each lcd-long cycle goes to
 * the first segment, biggest first (stable by position for equal sizes),
 * that is due: one whose share so far (taken) is at most i * size / lcd. */
typedef struct {
    int n;
    int64_t lcd;
    int64_t size[C6_SEGMENT_MAX_POINTS + 1]; /* length in 1/lcd units */
    int order[C6_SEGMENT_MAX_POINTS + 1];    /* segment indexes, biggest first */
    int64_t taken[C6_SEGMENT_MAX_POINTS + 1];
} striper;

/* Segment lengths of a full sequence in 1/lcd units; -1 with err when a
 * length or the lcd does not fit. */
static int striper_init(striper *st, const c6_segment_seq *seq, char *err, size_t errlen) {
    c6_rat len[C6_SEGMENT_MAX_POINTS + 1];
    st->n = seq->n - 1;
    st->lcd = 1;
    for (int i = 0; i < st->n; i++) {
        const c6_rat a = seq->pt[i], b = seq->pt[i + 1];
        if (!rat_sub(b, a, &len[i]))
            return err_set(err, errlen, "execution segment %d of the sequence is too precise for c6", i);
        int64_t d = len[i].den, g = gcd64(st->lcd, d);
        if (st->lcd / g > C6_SEGMENT_MAX_LCD / d)
            return err_set(err, errlen,
                           "the execution segment sequence needs a common denominator above %d, "
                           "more than c6 supports",
                           C6_SEGMENT_MAX_LCD);
        st->lcd = st->lcd / g * d;
    }
    for (int i = 0; i < st->n; i++) {
        st->size[i] = len[i].num * (st->lcd / len[i].den);
        st->taken[i] = 0;
        int j = i; /* insertion sort, stable, descending size */
        for (; j > 0 && st->size[st->order[j - 1]] < st->size[i]; j--) st->order[j] = st->order[j - 1];
        st->order[j] = i;
    }
    return 0;
}

/* The segment unit i (0 <= i < lcd, in increasing order) goes to. Since the
 * sizes sum to lcd and the shares so far sum to i, some segment is always
 * due, and after a whole cycle every segment has exactly its size. */
static int striper_deal(striper *st, int64_t i) {
    for (int k = 0; k < st->n; k++) {
        int s = st->order[k];
        if (i * st->size[s] >= st->taken[s] * st->lcd) {
            st->taken[s]++;
            return s;
        }
    }
    return -1; /* unreachable, see above */
}

/* The filled sequence of k6's GetFilledExecutionSegmentSequence. */
static void fill_sequence(const c6_segment *seg, const c6_segment_seq *given, c6_segment_seq *out) {
    c6_segment_seq seq = {0};
    if (given && given->n > 0) {
        seq = *given;
    } else if (!(rat_eq(seg->from, RAT0) && rat_eq(seg->to, RAT1))) {
        seq.n = 2;
        seq.pt[0] = seg->from;
        seq.pt[1] = seg->to;
    }
    if (seq.n == 0 || !rat_eq(seq.pt[0], RAT0)) {
        memmove(&seq.pt[1], &seq.pt[0], (size_t)seq.n * sizeof(seq.pt[0]));
        seq.pt[0] = RAT0;
        seq.n++;
    }
    if (!rat_eq(seq.pt[seq.n - 1], RAT1)) seq.pt[seq.n++] = RAT1;
    *out = seq;
}

/* The tuple of segment `index` of the full sequence `seq`. */
static int tuple_build(const c6_segment_seq *seq, int index, c6_segment_tuple *out, char *err, size_t errlen) {
    striper st;
    if (striper_init(&st, seq, err, errlen)) return -1;
    c6_segment_tuple t = {
        .seg = {seq->pt[index], seq->pt[index + 1]},
        .seq = *seq,
        .index = index,
        .lcd = st.lcd,
        .count = st.size[index],
    };
    t.pos = malloc((size_t)t.count * sizeof(*t.pos));
    if (!t.pos) return err_set(err, errlen, "out of memory for the execution segment table");
    int64_t got = 0;
    for (int64_t i = 0; i < st.lcd; i++)
        if (striper_deal(&st, i) == index) t.pos[got++] = (uint32_t)i;
    *out = t;
    return 0;
}

int c6_segment_tuple_new(const c6_segment *seg, const c6_segment_seq *seq, c6_segment_tuple *out, char *err,
                         size_t errlen) {
    static const c6_segment whole = {{0, 1}, {1, 1}};
    if (!seg) seg = &whole;
    bool given = seq && seq->n > 0;
    int found = -1;
    for (int i = 0; given && i + 1 < seq->n && found < 0; i++)
        if (rat_eq(seq->pt[i], seg->from) && rat_eq(seq->pt[i + 1], seg->to)) found = i;
    if (given && found < 0) {
        char a[64], b[3000];
        c6_segment_format(seg, a, sizeof(a));
        c6_segment_seq_format(seq, b, sizeof(b));
        return err_set(err, errlen, "provided segment %s can't be found in sequence %s", a, b);
    }
    c6_segment_seq filled;
    fill_sequence(seg, seq, &filled);
    int index = 0;
    while (!rat_eq(filled.pt[index], seg->from)) index++;
    return tuple_build(&filled, index, out, err, errlen);
}

void c6_segment_tuple_free(c6_segment_tuple *t) {
    free(t->pos);
    t->pos = NULL;
}

int64_t c6_segment_scale(const c6_segment_tuple *t, int64_t value) {
    /* Whole cycles, then this segment's units below value % lcd (C's
     * truncating / and % match Go's for negative values too). */
    int64_t r = value % t->lcd, lo = 0, hi = t->count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((int64_t)t->pos[mid] < r) lo = mid + 1;
        else hi = mid;
    }
    return value / t->lcd * t->count + lo;
}

int64_t c6_segment_global(const c6_segment_tuple *t, int64_t k) {
    int64_t base;
    if (k < 0 || __builtin_mul_overflow(k / t->count, t->lcd, &base) ||
        __builtin_add_overflow(base, (int64_t)t->pos[k % t->count], &base))
        return -1;
    return base;
}

int64_t c6_segment_striped(const c6_segment_tuple *t, int64_t *start, int64_t *offsets, size_t cap, int64_t *lcd) {
    *start = t->pos[0];
    *lcd = t->lcd;
    for (int64_t i = 0; i < t->count && (size_t)i < cap; i++)
        offsets[i] = (i + 1 < t->count ? t->pos[i + 1] : t->pos[0] + t->lcd) - t->pos[i];
    return t->count;
}

int c6_segment_tuple_from_value(const c6_segment_tuple *t, int64_t value, c6_segment_tuple *out, char *err,
                                size_t errlen) {
    if (value < 1) return err_set(err, errlen, "cannot generate new sequence for value %lld", (long long)value);
    int64_t share[C6_SEGMENT_MAX_POINTS + 1];
    striper st;
    if (striper_init(&st, &t->seq, err, errlen)) return -1;
    /* Every segment's scale(value): whole cycles, then deal the rest. */
    for (int i = 0; i < st.n; i++) share[i] = value / st.lcd * st.size[i];
    for (int64_t i = 0; i < value % st.lcd; i++) share[striper_deal(&st, i)]++;

    c6_segment_seq seq = {.n = 1, .pt = {RAT0}};
    int64_t prev = 0;
    int index = -1;
    for (int i = 0; i < st.n; i++) {
        if (share[i] == 0) continue;
        if (i == t->index) index = seq.n - 1;
        prev += share[i];
        rat_make(prev, (u128)value, &seq.pt[seq.n++]); /* prev <= value: fits */
    }
    if (index < 0) {
        char a[64];
        c6_segment_format(&t->seg, a, sizeof(a));
        return err_set(err, errlen, "segment %d (%s) isn't present in the new sequence", t->index, a);
    }
    return tuple_build(&seq, index, out, err, errlen);
}

double c6_segment_rate_per_sec(const c6_segment_tuple *t, int64_t rate, int64_t time_unit_us) {
    c6_rat len = c6_segment_length(&t->seg);
    /* rate * len / time unit, per second, in long double: exact enough for
     * the two decimals k6 prints. */
    long double num = (long double)rate * (long double)len.num * 1e6L;
    long double den = (long double)len.den * (long double)time_unit_us;
    return (double)(num / den);
}

/* ---- k6's SegmentedIndex ----------------------------------------------- */

void c6_segment_index_init(c6_segment_index *ix, const c6_segment_tuple *t) {
    ix->t = t;
    ix->scaled = ix->unscaled = 0;
}

/* Sets the 1-based position `scaled` and the unit's 1-based global number. */
static void index_at(c6_segment_index *ix, int64_t scaled) {
    ix->scaled = scaled;
    ix->unscaled = scaled > 0 ? c6_segment_global(ix->t, scaled - 1) + 1 : 0;
}

void c6_segment_index_next(c6_segment_index *ix) { index_at(ix, ix->scaled + 1); }

void c6_segment_index_prev(c6_segment_index *ix) {
    if (ix->scaled > 0) index_at(ix, ix->scaled - 1);
}

void c6_segment_index_goto(c6_segment_index *ix, int64_t value) { index_at(ix, c6_segment_scale(ix->t, value)); }
