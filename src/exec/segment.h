/* Execution segments: how k6 splits one test between several instances
 * (--execution-segment, --execution-segment-sequence), with k6's exact
 * arithmetic so that c6 and k6 instances given the same segments run the
 * same share.
 *
 * A segment is a part (from, to] of the whole 0..1 run; a sequence lists the
 * points that cut 0..1 into the segments all instances use ("0,1/4,1/2,1").
 * The tuple (segment + its sequence) is what executors scale with:
 *
 *   c6_segment seg; c6_segment_seq seq; c6_segment_tuple t;
 *   c6_segment_parse("1/4:1/2", &seg, err, n);          -> (1/4, 1/2]
 *   c6_segment_seq_parse("0,1/4,1/2,3/4,1", &seq, err, n);
 *   c6_segment_tuple_new(&seg, &seq, &t, err, n);
 *   c6_segment_scale(&t, 10)   -> 3   this instance's VUs out of 10
 *   c6_segment_global(&t, k)   -> the test-wide iteration number of this
 *                                 instance's k-th arrival-rate iteration
 *   c6_segment_tuple_free(&t);
 *
 * Integers are split with k6's striping: the sequence's common denominator
 * `lcd` is dealt out, one unit at a time, to the segments in proportion to
 * their lengths (biggest segments first when several are due), and the
 * pattern repeats every lcd units. So the segments of a sequence always get
 * exactly `value` in total, each share only grows as `value` grows, and an
 * instance's arrival-rate iterations are spread evenly through the run.
 *
 * A tuple is read-only once built, so worker threads can share one; scale()
 * and global() neither allocate nor lock.
 *
 * All numbers are exact rationals over int64 (reduced); inputs whose
 * arithmetic would overflow, or whose lcd exceeds C6_SEGMENT_MAX_LCD, are
 * rejected with an error instead of being approximated. */
#ifndef C6_EXEC_SEGMENT_H
#define C6_EXEC_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#define C6_SEGMENT_MAX_POINTS 64        /* points in a given sequence */
#define C6_SEGMENT_MAX_LCD    (1 << 24) /* bounds the striping table */

typedef struct {
    int64_t num, den;
} c6_rat; /* reduced, den >= 1 */
typedef struct {
    c6_rat from, to;
} c6_segment; /* 0 <= from < to <= 1 */

/* n == 0: no sequence given. Given sequences have 2..C6_SEGMENT_MAX_POINTS
 * strictly increasing points in [0, 1]; the room for two more holds the 0
 * and 1 that a tuple's filled sequence may add. */
typedef struct {
    int n;
    c6_rat pt[C6_SEGMENT_MAX_POINTS + 2];
} c6_segment_seq;

/* Parses k6's spellings: "1/4:1/2", "0.25:0.5", "25%:50%", mixed
 * ("2/4:75%"); a single value is the end of a segment starting at 0
 * ("1/4" = 0:1/4); "" is the whole run 0:1. A value is a fraction "a/b"
 * (integers as Go reads them: 0x / 0o / 0b prefixes, a leading 0 is octal),
 * a decimal with an optional exponent ("0.25", "25e-2"), or an integer
 * percentage ("25%"; "12.5%" is invalid, as in k6). Errors quote the input
 * and give k6's reason:
 *   invalid execution segment "1/2:1/3": segment start(0.50) must be less than its end(0.33)
 * Returns 0, or -1 with err set and *out untouched. */
int c6_segment_parse(const char *s, c6_segment *out, char *err, size_t errlen);

/* Parses "r1,r2,...,rn" (same value spellings), checking every consecutive
 * pair as a segment, as k6 does: "0,1/3,2/3,1", "1/4,1/2" (filled with 0 and
 * 1 later). "" means no sequence (n = 0); a single point is an error. */
int c6_segment_seq_parse(const char *s, c6_segment_seq *out, char *err, size_t errlen);

/* k6's text forms: "1/4:1/2", "0:1"; "0,1/4,1/2,1" ("" for n == 0).
 * snprintf-like: return the length the full text needs. */
size_t c6_segment_format(const c6_segment *seg, char *buf, size_t n);
size_t c6_segment_seq_format(const c6_segment_seq *seq, char *buf, size_t n);

c6_rat c6_segment_length(const c6_segment *seg); /* to - from */

/* num/den (den >= 1) reduced into *out. */
void c6_rat_reduce(int64_t num, int64_t den, c6_rat *out);

typedef struct c6_segment_tuple {
    c6_segment seg;     /* this instance's segment */
    c6_segment_seq seq; /* the sequence filled to start at 0 and end at 1 */
    int index;          /* seg is seq.pt[index] .. seq.pt[index + 1] */
    int64_t lcd;        /* least common denominator of the segment lengths */
    int64_t count;      /* units of each lcd-long cycle that are this segment's */
    uint32_t *pos;      /* their offsets in the cycle, ascending (count entries) */
} c6_segment_tuple;

/* Builds the tuple for `seg` within `seq` (seq NULL or n == 0: no sequence,
 * then the sequence is seg's own points plus 0 and 1). With a sequence, seg
 * must be one of its consecutive pairs as given (k6's options check, same
 * message: "provided segment 1/4:1/2 can't be found in sequence 0,1/3,1");
 * no segment given means 0:1. The striping table is computed here, once:
 * O(lcd x segments) time, O(count) memory. 0, or -1 with err set. */
int c6_segment_tuple_new(const c6_segment *seg, const c6_segment_seq *seq, c6_segment_tuple *out, char *err,
                         size_t errlen);
void c6_segment_tuple_free(c6_segment_tuple *t);

/* How many of `value` units (VUs, iterations) this segment gets: the units
 * among 0..value-1 the striping deals to it (k6's ExecutionTuple.ScaleInt64).
 * The segments of one sequence always sum to value; 0:1 gets value. O(log),
 * no allocation. */
int64_t c6_segment_scale(const c6_segment_tuple *t, int64_t value);

/* The 0-based test-wide index of this segment's k-th (0-based) unit: an
 * arrival-rate instance runs the global iterations global(0), global(1), ...
 * (k6's start, start + offsets[0], ...). -1 if k < 0 or on overflow. */
int64_t c6_segment_global(const c6_segment_tuple *t, int64_t k);

/* k6's GetStripedOffsets: *start = global(0), *lcd, and the cyclic gaps
 * between this segment's consecutive units (offsets[i] = global(i+1) -
 * global(i)) copied into offsets[0..cap). Returns their number (= count). */
int64_t c6_segment_striped(const c6_segment_tuple *t, int64_t *start, int64_t *offsets, size_t cap, int64_t *lcd);

/* k6's GetNewExecutionTupleFromValue, used by the arrival-rate executors with
 * value = maxVUs: re-cuts the sequence so each segment's length is
 * scale(value) / value (segments that get nothing are dropped) and returns
 * this segment's tuple in it. Errors as k6: value < 1 ("cannot generate new
 * sequence for value 0"), or this segment gets nothing of value ("segment 2
 * (2/3:1) isn't present in the new sequence"). */
int c6_segment_tuple_from_value(const c6_segment_tuple *t, int64_t value, c6_segment_tuple *out, char *err,
                                size_t errlen);

/* rate iterations per time unit, scaled by the segment's length, in
 * iterations per second (k6's getScaledArrivalRate + getArrivalRatePerSec,
 * as the arrival-rate executors print it). */
double c6_segment_rate_per_sec(const c6_segment_tuple *t, int64_t rate, int64_t time_unit_us);

/* k6's SegmentedIndex, 1-based as in k6: after next(), `scaled` is how many
 * units this segment has had and `unscaled` the test-wide number (1-based) of
 * the last one; both 0 before the first. goto(v) moves to the last unit whose
 * test-wide number is <= v. ramping-vus walks VU numbers with it. */
typedef struct {
    const c6_segment_tuple *t;
    int64_t scaled, unscaled;
} c6_segment_index;

void c6_segment_index_init(c6_segment_index *ix, const c6_segment_tuple *t);
void c6_segment_index_next(c6_segment_index *ix);
void c6_segment_index_prev(c6_segment_index *ix); /* no-op at 0 */
void c6_segment_index_goto(c6_segment_index *ix, int64_t value);

#endif
