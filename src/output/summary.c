/* End-of-test summary.
 *
 * Layout followed: k6 v1.x/v2 "compact" summary mode, as shown in the
 * current k6 documentation (grafana.com/docs/k6/latest/results-output/
 * end-of-test, "Compact mode"):
 *
 *   <blank>
 *     █ THRESHOLDS <blank>             (title ends with a space, as k6's)
 *   <blank>
 *       http_req_duration
 *       ✓ 'p(95)<1500' p(95)=148.21ms
 *   <blank>
 *   <blank>
 *     █ TOTAL RESULTS
 *   <blank>
 *       checks_total.......................: 90      13.122179/s
 *       checks_succeeded...................: 100.00% 90 out of 90
 *       checks_failed......................: 0.00%   0 out of 90
 *   <blank>
 *       ✓ status is 200
 *       ✗ body ok
 *         ↳  50% — ✓ 45 / ✗ 45
 *   <blank>
 *       CUSTOM / HTTP / EXECUTION / NETWORK (then BROWSER, WEBVITALS, GRPC,
 *       WEBSOCKET when present), each followed by a blank line
 *
 * Rules taken from that layout and from k6's behaviour:
 * - The THRESHOLDS section is left out when there are no thresholds; the
 *   checks block when there are no checks. Metrics and threshold groups are
 *   sorted by name, submetrics right after their parent, indented by two and
 *   shown as "{ tag:value }" (in THRESHOLDS as the raw "{tag:value}", and only
 *   indented when the parent also has thresholds).
 * - Compact mode hides checks (shown as the checks block), group_duration and
 *   the http_req_{blocked,connecting,tls_handshaking,sending,waiting,receiving}
 *   timings. Sections are chosen by name prefix, as k6 does.
 * - One name column for the metric sections of TOTAL RESULTS (and one per
 *   group or scenario section), one for the checks block: as k6's summary.js
 *   computeSummaryInfo, the widest "<name><shown name>" (the name counts
 *   twice; a sub-metric's full name plus "  { tag:value }") plus 3 dots. The
 *   checks block is thus always 35 columns (2 x "checks_succeeded" + 3).
 * - Values are padded to a common width per column: one set of widths for
 *   the checks block, one for the metric sections (matching the example).
 *   Trend columns are all padded, including the last; a lone extra value
 *   (counter rate, rate "n out of m") is not.
 * - Value formats (k6's humanize rules): times auto-scaled with truncation to
 *   2 decimals (456.12µs, 1.23ms, 1.5s, 1m2s, 1h2m3s); data in decimal units
 *   with one decimal below 10 (4.9 kB, 519 kB); plain numbers with up to 6
 *   decimals and no trailing zeros; rates as percentages truncated to 2
 *   decimals. Numbers print like JavaScript's toString/toFixed.
 * - Check lines: "✓ name" when it never failed, else "✗ name" and
 *   "↳  <floor(pass%)>% — ✓ <passes> / ✗ <fails>". Checks are merged by name
 *   across groups (compact mode shows totals).
 * - Colours (when enabled) as k6: bold titles, green/red marks, cyan values,
 *   faint dots and extras.
 *
 * Full mode (--summary-mode=full) shows the metrics compact mode hides but
 * checks and group_duration, and after TOTAL RESULTS, as k6's summary.js
 * lays them out:
 *
 *     █ GROUP: <name>                 (one per top-level group, in the
 *   <blank>                            order they first ran)
 *       <checks block and metric sections of the group's own samples>
 *       ↳ GROUP: <sub>
 *   <blank>
 *         <its checks and metric sections, 2 columns further in>
 *         ↳ GROUP: <subsub>           (each depth 2 columns further in)
 *   <blank>
 *           ...
 *   <blank>
 *     █ SCENARIO: <name>              (one per scenario but "default", by
 *       ...                            name; its groups as ↳ sub-sections)
 *
 * Each group's content has its own name column and value widths; the
 * "↳ N% — ✓ x / ✗ y" line of a failed check is indented by twice the
 * check's level (2 columns in at the top, 4 in a group, 6 one deeper...). */
#include "output/summary.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/registry.h"

#define CELL     64 /* one formatted value */
#define MIN_DOTS 3

/* Concatenates up to three strings into buf, truncating to n. */
static char *cat(char *buf, size_t n, const char *a, const char *b, const char *c) {
    const char *parts[3] = {a, b, c};
    size_t len = 0;
    if (!n) return buf;
    for (int i = 0; i < 3; i++)
        for (const char *p = parts[i]; p && *p && len + 1 < n; p++) buf[len++] = *p;
    buf[len] = '\0';
    return buf;
}

/* ---- JavaScript number formatting ---------------------------------------- */

/* Number.prototype.toString(): the shortest digits that read back as x,
 * in plain notation for 1e-7 <= |x| < 1e21, else as d.ddde+N. */
static void summary_js_num(char *buf, size_t n, double x) {
    if (isnan(x)) {
        snprintf(buf, n, "NaN");
        return;
    }
    if (isinf(x)) {
        snprintf(buf, n, x > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (x == 0) {
        snprintf(buf, n, "0");
        return;
    }
    char e[40], dig[20], body[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, fabs(x));
        if (strtod(e, NULL) == fabs(x)) break;
    }
    int k = 0;
    const char *s = e;
    for (; *s != 'e'; s++)
        if (isdigit((unsigned char)*s)) dig[k++] = *s;
    while (k > 1 && dig[k - 1] == '0') k--;
    int pt = atoi(s + 1) + 1; /* x = 0.d1d2...dk * 10^pt */
    int b = 0;
    if (k <= pt && pt <= 21) {
        for (int i = 0; i < pt; i++) body[b++] = i < k ? dig[i] : '0';
    } else if (0 < pt && pt <= 21) {
        for (int i = 0; i < k; i++) {
            if (i == pt) body[b++] = '.';
            body[b++] = dig[i];
        }
    } else if (-6 < pt && pt <= 0) {
        body[b++] = '0';
        body[b++] = '.';
        for (int i = 0; i < -pt; i++) body[b++] = '0';
        for (int i = 0; i < k; i++) body[b++] = dig[i];
    } else {
        body[b++] = dig[0];
        if (k > 1) body[b++] = '.';
        for (int i = 1; i < k; i++) body[b++] = dig[i];
        b += snprintf(body + b, sizeof body - b, "e%+d", pt - 1);
    }
    body[b] = '\0';
    cat(buf, n, x < 0 ? "-" : "", body, NULL);
}

/* Rounds a decimal string's last digit up, carrying ("9.99" -> "10.00"). */
static void dec_round_up(char *s, size_t n) {
    size_t len = strlen(s);
    for (size_t i = len; i-- > 0;) {
        if (s[i] == '.') continue;
        if (s[i] != '9') {
            s[i]++;
            return;
        }
        s[i] = '0';
    }
    if (len + 2 > n) return;
    memmove(s + 1, s, len + 1);
    s[0] = '1';
}

/* Number.prototype.toFixed(prec): like %.*f, but an exact tie rounds away
 * from zero (1/128 -> "0.007813"), where printf would round to even. */
static void summary_js_fixed(char *buf, size_t n, double x, int prec) {
    if (!isfinite(x) || fabs(x) >= 1e21) {
        summary_js_num(buf, n, x);
        return;
    }
    double a = fabs(x);
    char wide[400];
    snprintf(wide, sizeof wide, "%.*f", prec + 30, a);
    char *tail = strchr(wide, '.') + 1 + prec;
    bool tie = *tail == '5' && tail[1 + strspn(tail + 1, "0")] == '\0';
    char *out = buf;
    if (x < 0 && n > 1) {
        *out++ = '-';
        n--;
    }
    if (!tie) {
        snprintf(out, n, "%.*f", prec, a);
        return;
    }
    *tail = '\0';
    if (prec == 0) tail[-1] = '\0'; /* drop the '.' */
    dec_round_up(wide, sizeof wide);
    cat(out, n, wide, NULL, NULL);
}

/* parseFloat(x.toFixed(prec)).toString(): at most prec decimals, no
 * trailing zeros, "-0" printed as "0". */
static void fixed_nz(char *buf, size_t n, double x, int prec) {
    char tmp[64];
    summary_js_fixed(tmp, sizeof tmp, x, prec);
    double v = strtod(tmp, NULL);
    summary_js_num(buf, n, v == 0 ? 0 : v);
}

/* The same after truncating (not rounding) to prec decimals. */
static void fixed_nz_trunc(char *buf, size_t n, double x, int prec) {
    double mult = pow(10, prec);
    fixed_nz(buf, n, trunc(mult * x) / mult, prec);
}

/* ---- value formatters ------------------------------------------------------ */

char *summary_format_number(char *buf, size_t n, double v) {
    fixed_nz(buf, n, v, 6);
    return buf;
}

char *summary_format_percent(char *buf, size_t n, double ratio) {
    char num[64];
    summary_js_fixed(num, sizeof num, trunc(ratio * 100 * 100) / 100, 2);
    cat(buf, n, num, "%", NULL);
    return buf;
}

char *summary_format_bytes(char *buf, size_t n, double bytes) {
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    char num[64];
    if (!(bytes >= 10)) {
        summary_js_num(num, sizeof num, bytes);
        cat(buf, n, num, " B", NULL);
        return buf;
    }
    double e = floor(log(bytes) / log(1000));
    if (e > 8) e = 8;
    double val = floor((bytes / pow(1000, e)) * 10 + 0.5) / 10;
    summary_js_fixed(num, sizeof num, val, val < 10 ? 1 : 0);
    cat(buf, n, num, " ", units[(int)e]);
    return buf;
}

/* Automatic unit: the largest that keeps the number >= 1, truncated to 2
 * decimals; from a second up, minutes and hours are split out ("1h2m3s"). */
static void duration_auto(char *buf, size_t n, double ms) {
    char secs[64], mins[64], hours[64], tmp[160];
    if (ms == 0) {
        cat(buf, n, "0s", NULL, NULL);
        return;
    }
    if (ms < 0.001) {
        summary_js_num(secs, sizeof secs, trunc(ms * 1000000));
        cat(buf, n, secs, "ns", NULL);
        return;
    }
    if (ms < 1) {
        fixed_nz_trunc(secs, sizeof secs, ms * 1000, 2);
        cat(buf, n, secs, "µs", NULL);
        return;
    }
    if (ms < 1000) {
        fixed_nz_trunc(secs, sizeof secs, ms, 2);
        cat(buf, n, secs, "ms", NULL);
        return;
    }
    fixed_nz_trunc(secs, sizeof secs, fmod(ms, 60000) / 1000, ms > 60000 ? 0 : 2);
    double rem = trunc(ms / 60000);
    if (rem < 1) {
        cat(buf, n, secs, "s", NULL);
        return;
    }
    summary_js_num(mins, sizeof mins, fmod(rem, 60));
    rem = trunc(rem / 60);
    cat(tmp, sizeof tmp, mins, "m", secs);
    if (rem < 1) {
        cat(buf, n, tmp, "s", NULL);
        return;
    }
    summary_js_num(hours, sizeof hours, rem);
    cat(buf, n, hours, "h", cat(tmp, sizeof tmp, mins, "m", secs));
    cat(buf + strlen(buf), n - strlen(buf), "s", NULL, NULL);
}

char *summary_format_duration(char *buf, size_t n, double ms, const char *time_unit) {
    static const struct {
        const char *name, *suffix;
        double coef;
    } units[] = {
        {"s", "s", 0.001},
        {"ms", "ms", 1},
        {"us", "µs", 1000},
    };
    for (size_t i = 0; time_unit && i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(time_unit, units[i].name)) continue;
        char num[64];
        summary_js_fixed(num, sizeof num, ms * units[i].coef, 2);
        cat(buf, n, num, units[i].suffix, NULL);
        return buf;
    }
    duration_auto(buf, n, ms);
    return buf;
}

static char *format_kind(char *buf, size_t n, double v, value_kind kind, const char *time_unit) {
    switch (kind) {
    case VALUE_TIME: return summary_format_duration(buf, n, v, time_unit);
    case VALUE_DATA: return summary_format_bytes(buf, n, v);
    case VALUE_DEFAULT: break;
    }
    return summary_format_number(buf, n, v);
}

char *summary_format_value(char *buf, size_t n, double v, value_kind kind) {
    return format_kind(buf, n, v, kind, NULL);
}

char *summary_format_metric(char *buf, size_t n, double v, metric_type type, value_kind kind, const char *time_unit) {
    if (type == METRIC_RATE) return summary_format_percent(buf, n, v);
    return format_kind(buf, n, v, kind, time_unit);
}

/* ---- output helpers -------------------------------------------------------- */

typedef struct printer {
    FILE *f;
    bool color;
} printer;

/* ANSI codes as k6 emits them: styles first, then the colour. */
#define C_BOLD        "1"
#define C_GREEN       "32"
#define C_RED         "31"
#define C_WHITE       "37"
#define C_CYAN        "36"
#define C_FAINT_WHITE "2;37"
#define C_FAINT_CYAN  "2;36"

static void deco(printer *o, const char *code, const char *s) {
    if (o->color) fprintf(o->f, "\x1b[%sm%s\x1b[0m", code, s);
    else fputs(s, o->f);
}

static void spaces(printer *o, size_t n) {
    while (n--) fputc(' ', o->f);
}

/* Display width: UTF-8 code points (names and values hold no wide glyphs). */
static size_t width(const char *s) {
    size_t w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* Each element of the summary starts on a new line, as k6 joins them. */
static void element(printer *o, size_t indent) {
    fputc('\n', o->f);
    spaces(o, indent);
}

/* "<mark> <kind><name> <end>", the kind and name in bold: section titles
 * ("█ TOTAL RESULTS \n") and subgroup titles ("↳ GROUP: a "). */
static void heading(printer *o, size_t indent, const char *mark, const char *kind, const char *name, const char *end) {
    element(o, indent);
    fprintf(o->f, "%s ", mark);
    if (o->color) fprintf(o->f, "\x1b[%sm%s%s\x1b[0m", C_BOLD, kind, name);
    else fprintf(o->f, "%s%s", kind, name);
    fprintf(o->f, " %s", end);
}

static void title(printer *o, const char *kind, const char *name) { heading(o, 2, "█", kind, name, "\n"); }

/* ---- names: sorting and sections ------------------------------------------- */

static size_t parent_len(const char *name) {
    const char *b = strchr(name, '{');
    return b ? (size_t)(b - name) : strlen(name);
}

/* Collation close to k6's localeCompare: punctuation < digits < letters,
 * letters case-insensitive first, then lower case before upper case. */
static int coll_class(unsigned char c) { return isdigit(c) ? 1 : isalpha(c) ? 2 : c >= 0x80 ? 3 : 0; }

static int coll_cmp(const char *a, size_t na, const char *b, size_t nb) {
    size_t i;
    for (i = 0; i < na && i < nb; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (coll_class(x) != coll_class(y)) return coll_class(x) - coll_class(y);
        if (tolower(x) != tolower(y)) return tolower(x) - tolower(y);
    }
    if (na != nb) return na < nb ? -1 : 1;
    for (i = 0; i < na; i++)
        if (a[i] != b[i]) return islower((unsigned char)a[i]) ? -1 : 1;
    return 0;
}

static int name_cmp(const char *a, const char *b) {
    size_t pa = parent_len(a), pb = parent_len(b);
    int r = coll_cmp(a, pa, b, pb);
    return r ? r : coll_cmp(a + pa, strlen(a + pa), b + pb, strlen(b + pb));
}

enum section {
    SEC_HTTP,
    SEC_EXECUTION,
    SEC_NETWORK,
    SEC_BROWSER,
    SEC_WEBVITALS,
    SEC_GRPC,
    SEC_WEBSOCKET,
    SEC_CUSTOM,
    SEC_COUNT,
    SEC_HIDDEN = -1
};
static const char *const SECTION_TITLE[SEC_COUNT] = {
    "HTTP", "EXECUTION", "NETWORK", "BROWSER", "WEBVITALS", "GRPC", "WEBSOCKET", "CUSTOM",
};
/* User metrics come first, then k6's categories. */
static const enum section SECTION_ORDER[SEC_COUNT] = {
    SEC_CUSTOM, SEC_HTTP, SEC_EXECUTION, SEC_NETWORK, SEC_BROWSER, SEC_WEBVITALS, SEC_GRPC, SEC_WEBSOCKET,
};

static bool prefixed(const char *name, const char *const *prefixes) {
    for (; *prefixes; prefixes++)
        if (!strncmp(name, *prefixes, strlen(*prefixes))) return true;
    return false;
}

/* k6 matches names by prefix, so submetrics follow their parent. */
static enum section section_of(const char *name, bool full) {
    static const char *const always_hidden[] = {"checks", "group_duration", NULL};
    static const char *const compact_hidden[] = {"http_req_blocked",
                                                 "http_req_connecting",
                                                 "http_req_receiving",
                                                 "http_req_sending",
                                                 "http_req_tls_handshaking",
                                                 "http_req_waiting",
                                                 NULL};
    static const char *const http[] = {"http_reqs",           "http_req_failed",
                                       "http_req_duration",   "http_req_blocked",
                                       "http_req_connecting", "http_req_tls_handshaking",
                                       "http_req_sending",    "http_req_waiting",
                                       "http_req_receiving",  NULL};
    static const char *const execution[] = {"vus", "vus_max", "iterations", "iteration_duration", "dropped_iterations",
                                            NULL};
    static const char *const network[] = {"data_sent", "data_received", NULL};
    if (prefixed(name, always_hidden) || (!full && prefixed(name, compact_hidden))) return SEC_HIDDEN;
    if (prefixed(name, http)) return SEC_HTTP;
    if (prefixed(name, execution)) return SEC_EXECUTION;
    if (prefixed(name, network)) return SEC_NETWORK;
    if (!strncmp(name, "browser_web_vital_", 18)) return SEC_WEBVITALS;
    if (!strncmp(name, "browser_", 8)) return SEC_BROWSER;
    if (!strncmp(name, "grpc_", 5)) return SEC_GRPC;
    if (!strncmp(name, "ws_", 3)) return SEC_WEBSOCKET;
    return SEC_CUSTOM;
}

/* ---- metric rows ----------------------------------------------------------- */

typedef struct row {
    const char *name; /* for sorting */
    char *label;      /* shown name: "http_reqs" or "{ expected_response:true }" */
    size_t indent;    /* 2 for submetrics */
    bool trend;
    size_t ncells; /* trend: one per stat; others: value + 1 or 2 extras */
    char (*cells)[CELL];
    enum section section;
} row;

/* Column widths of one group of rows. */
typedef struct widths {
    size_t main, extra[2];
    size_t *trend;
} widths;

static const char *const DEFAULT_STATS[] = {"avg", "min", "med", "max", "p(90)", "p(95)"};

typedef struct ctx {
    const summary_data *d;
    const char *const *stats;
    size_t nstats;
} ctx;

static char *make_label(const char *name) {
    const char *b = strchr(name, '{');
    size_t len = strlen(name);
    char *l = malloc(len + 4);
    if (!l) return NULL;
    if (!b) {
        memcpy(l, name, len + 1);
        return l;
    }
    size_t inner = len - (size_t)(b - name) - 1;
    if (inner && name[len - 1] == '}') inner--;
    snprintf(l, len + 4, "{ %.*s }", (int)inner, b + 1);
    return l;
}

static void trend_cells(const ctx *c, row *r, const sink *s, value_kind kind) {
    for (size_t i = 0; i < c->nstats; i++) {
        double v;
        if (sink_agg(s, c->stats[i], c->d->duration_s, &v) < 0) snprintf(r->cells[i], CELL, "-");
        else if (!strcmp(c->stats[i], "count")) summary_js_num(r->cells[i], CELL, v);
        else format_kind(r->cells[i], CELL, v, kind, c->d->time_unit);
    }
}

/* The value and extras k6 shows for a non-trend metric. */
static void plain_cells(const ctx *c, row *r, const sink *s, value_kind kind) {
    const char *tu = c->d->time_unit;
    char v[CELL];
    double x;
    switch (s->type) {
    case METRIC_COUNTER:
        format_kind(r->cells[0], CELL, s->u.counter.sum, kind, tu);
        sink_agg(s, "rate", c->d->duration_s, &x);
        cat(r->cells[1], CELL, format_kind(v, sizeof v, x, kind, tu), "/s", NULL);
        r->ncells = 2;
        break;
    case METRIC_GAUGE:
        format_kind(r->cells[0], CELL, s->u.gauge.value, kind, tu);
        cat(r->cells[1], CELL, "min=", format_kind(v, sizeof v, s->u.gauge.min, kind, tu), NULL);
        cat(r->cells[2], CELL, "max=", format_kind(v, sizeof v, s->u.gauge.max, kind, tu), NULL);
        r->ncells = 3;
        break;
    case METRIC_RATE:
        sink_agg(s, "rate", 0, &x);
        summary_format_percent(r->cells[0], CELL, x);
        snprintf(r->cells[1], CELL, "%llu out of %llu", (unsigned long long)s->u.rate.nonzero,
                 (unsigned long long)s->u.rate.total);
        r->ncells = 2;
        break;
    case METRIC_TREND: break;
    }
}

static int row_fill(const ctx *c, row *r, const char *name, const sink *s, value_kind kind) {
    memset(r, 0, sizeof *r);
    r->name = name;
    r->trend = s->type == METRIC_TREND;
    r->indent = strchr(name, '{') ? 2 : 0;
    r->ncells = r->trend ? c->nstats : 3;
    r->label = make_label(name);
    r->cells = calloc(r->ncells ? r->ncells : 1, CELL);
    if (!r->label || !r->cells) return -1;
    if (r->trend) trend_cells(c, r, s, kind);
    else plain_cells(c, r, s, kind);
    return 0;
}

static void row_free(row *r) {
    free(r->label);
    free(r->cells);
}

static int row_ptr_cmp(const void *a, const void *b) {
    const row *x = *(row *const *)a, *y = *(row *const *)b;
    return name_cmp(x->name, y->name);
}

static void widths_add(widths *w, const row *r, size_t nstats) {
    if (r->trend) {
        for (size_t i = 0; i < r->ncells && i < nstats; i++)
            if (width(r->cells[i]) > w->trend[i]) w->trend[i] = width(r->cells[i]);
        return;
    }
    if (width(r->cells[0]) > w->main) w->main = width(r->cells[0]);
    for (size_t i = 1; i < r->ncells; i++)
        if (width(r->cells[i]) > w->extra[i - 1]) w->extra[i - 1] = width(r->cells[i]);
}

static void put_values(printer *o, const ctx *c, const row *r, const widths *w) {
    if (r->trend) {
        for (size_t i = 0; i < r->ncells; i++) {
            if (i) fputc(' ', o->f);
            fprintf(o->f, "%s=", c->stats[i]);
            deco(o, C_CYAN, r->cells[i]);
            spaces(o, w->trend[i] - width(r->cells[i]));
        }
        return;
    }
    deco(o, C_CYAN, r->cells[0]);
    spaces(o, w->main - width(r->cells[0]));
    for (size_t i = 1; i < r->ncells; i++) {
        fputc(' ', o->f);
        deco(o, C_FAINT_CYAN, r->cells[i]);
        if (r->ncells > 2) spaces(o, w->extra[i - 1] - width(r->cells[i]));
    }
}

static void put_row(printer *o, const ctx *c, const row *r, const widths *w, size_t name_col, size_t indent) {
    char dots[256];
    size_t nd = name_col - r->indent - width(r->label);
    if (nd > sizeof dots - 2) nd = sizeof dots - 2;
    memset(dots, '.', nd);
    dots[nd] = ':';
    dots[nd + 1] = '\0';
    element(o, indent + r->indent);
    fputs(r->label, o->f);
    deco(o, C_FAINT_WHITE, dots);
    fputc(' ', o->f);
    put_values(o, c, r, w);
}

/* ---- checks ----------------------------------------------------------------- */

typedef struct check_total {
    const char *name;
    uint64_t passes, fails;
} check_total;

/* One line per check name, whatever its group (k6 counts checks by name). */
static size_t merge_checks(const summary_check *cs, size_t nc, check_total *out) {
    size_t n = 0;
    for (size_t i = 0; i < nc; i++) {
        size_t j = 0;
        while (j < n && strcmp(out[j].name, cs[i].name)) j++;
        if (j == n) out[n++] = (check_total){cs[i].name, 0, 0};
        out[j].passes += cs[i].passes;
        out[j].fails += cs[i].fails;
    }
    return n;
}

/* k6 puts the details of a failed check at twice the check's level: 2
 * columns in at the top, 4 in a subgroup. */
static void put_check(printer *o, const check_total *ck, size_t indent) {
    char line[512];
    element(o, indent);
    if (!ck->fails) {
        cat(line, sizeof line, "✓ ", ck->name, NULL);
        deco(o, C_GREEN, line);
        return;
    }
    cat(line, sizeof line, "✗ ", ck->name, NULL);
    deco(o, C_RED, line);
    uint64_t pct = ck->passes * 100 / (ck->passes + ck->fails);
    snprintf(line, sizeof line, "↳  %llu%% — ✓ %llu / ✗ %llu", (unsigned long long)pct, (unsigned long long)ck->passes,
             (unsigned long long)ck->fails);
    fputc('\n', o->f);
    spaces(o, 2 * indent - 2);
    deco(o, C_RED, line);
}

/* The checks_total/succeeded/failed rows, from the checks metric when there
 * is one, else from the per-check counts. Returns false without checks. */
static bool checks_sinks(const summary_metric *ms, size_t nm, const check_total *cks, size_t n, sink out[3]) {
    uint64_t total = 0, passed = 0;
    bool have = false;
    for (size_t i = 0; i < nm; i++) {
        const summary_metric *m = &ms[i];
        if (strcmp(m->name, "checks") || !m->sink || m->sink->type != METRIC_RATE) continue;
        total = m->sink->u.rate.total;
        passed = m->sink->u.rate.nonzero;
        have = true;
    }
    for (size_t i = 0; !have && i < n; i++) {
        total += cks[i].passes + cks[i].fails;
        passed += cks[i].passes;
    }
    if (!have && !n) return false;
    memset(out, 0, 3 * sizeof *out);
    out[0].type = METRIC_COUNTER;
    out[0].u.counter.sum = (double)total;
    out[1].type = out[2].type = METRIC_RATE;
    out[1].u.rate.nonzero = passed;
    out[1].u.rate.total = total;
    out[2].u.rate.nonzero = total - passed; /* "failed" counts the failures as its hits */
    out[2].u.rate.total = total;
    return true;
}

/* ---- thresholds -------------------------------------------------------------- */

static const summary_metric *find_metric(const summary_data *d, const char *name) {
    for (size_t i = 0; i < d->nmetrics; i++)
        if (!strcmp(d->metrics[i].name, name)) return &d->metrics[i];
    return NULL;
}

/* "p(95)" out of "p(95) < 500" when the caller did not pass it. */
static void threshold_agg(const summary_threshold *t, char *buf, size_t n) {
    if (t->agg) {
        cat(buf, n, t->agg, NULL, NULL);
        return;
    }
    size_t len = strcspn(t->source, "<>=!"), a = 0;
    while (a < len && isspace((unsigned char)t->source[a])) a++;
    while (len > a && isspace((unsigned char)t->source[len - 1])) len--;
    snprintf(buf, n, "%.*s", (int)(len - a), t->source + a);
}

static void threshold_value(const ctx *c, const summary_threshold *t, const char *agg, char *buf, size_t n) {
    const summary_metric *m = find_metric(c->d, t->metric);
    char v[CELL];
    if (!m) {
        summary_format_number(buf, n, t->observed);
        return;
    }
    if (m->type == METRIC_TREND && !strcmp(agg, "count")) summary_js_num(buf, n, t->observed);
    else if (m->type == METRIC_COUNTER && !strcmp(agg, "rate"))
        cat(buf, n, format_kind(v, sizeof v, t->observed, m->kind, c->d->time_unit), "/s", NULL);
    else summary_format_metric(buf, n, t->observed, m->type, m->kind, c->d->time_unit);
}

static void put_threshold(printer *o, const ctx *c, const summary_threshold *t, size_t indent) {
    char agg[64], val[CELL], src[512];
    threshold_agg(t, agg, sizeof agg);
    threshold_value(c, t, agg, val, sizeof val);
    /* k6 quotes the expression trimmed (summary.js renderThresholdResults) */
    size_t a = 0, len = strlen(t->source);
    while (a < len && isspace((unsigned char)t->source[a])) a++;
    while (len > a && isspace((unsigned char)t->source[len - 1])) len--;
    snprintf(src, sizeof src, "'%.*s'", (int)(len - a), t->source + a);
    element(o, indent);
    deco(o, t->ok ? C_GREEN : C_RED, t->ok ? "✓" : "✗");
    fputc(' ', o->f);
    deco(o, C_WHITE, src);
    fputc(' ', o->f);
    deco(o, C_WHITE, agg);
    fputc('=', o->f);
    deco(o, C_CYAN, val);
}

static int str_ptr_cmp(const void *a, const void *b) {
    return name_cmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_name(const char **names, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && !strncmp(names[i], name, len)) return true;
    return false;
}

static void put_thresholds(printer *o, const ctx *c) {
    const summary_data *d = c->d;
    const char **names = malloc(d->nthresholds * sizeof *names);
    size_t n = 0;
    if (!names) return;
    for (size_t i = 0; i < d->nthresholds; i++)
        if (!has_name(names, n, d->thresholds[i].metric, strlen(d->thresholds[i].metric)))
            names[n++] = d->thresholds[i].metric;
    qsort(names, n, sizeof *names, str_ptr_cmp);
    title(o, "", "THRESHOLDS");
    for (size_t i = 0; i < n; i++) {
        size_t plen = parent_len(names[i]);
        bool nested = names[i][plen] && has_name(names, n, names[i], plen);
        size_t indent = nested ? 6 : 4;
        element(o, indent);
        fputs(nested ? names[i] + plen : names[i], o->f);
        for (size_t k = 0; k < d->nthresholds; k++)
            if (!strcmp(d->thresholds[k].metric, names[i])) put_threshold(o, c, &d->thresholds[k], indent);
        fputc('\n', o->f);
    }
    fputc('\n', o->f);
    free(names);
}

/* ---- total results ----------------------------------------------------------- */

typedef struct results {
    row *rows; /* 3 check rows (if any), then metric rows */
    size_t nrows, ncheck_rows;
    row **sorted; /* metric rows by name */
    size_t nsorted;
    widths checks_w, metrics_w;
    size_t checks_col, name_col; /* name + dots widths */
} results;

static int build_rows(const ctx *c, results *r, const summary_metric *ms, size_t nm, const sink checks[3]) {
    static const char *const check_names[3] = {"checks_total", "checks_succeeded", "checks_failed"};
    r->rows = calloc(nm + 3, sizeof *r->rows);
    r->sorted = calloc(nm + 1, sizeof *r->sorted);
    if (!r->rows || !r->sorted) return -1;
    for (size_t i = 0; checks && i < 3; i++) {
        r->ncheck_rows++; /* counted first so results_free frees a half-filled row */
        if (row_fill(c, &r->rows[r->nrows++], check_names[i], &checks[i], VALUE_DEFAULT) < 0) return -1;
    }
    /* k6 divides the failures by the total for checks_failed: 0/0 without
     * checks (output/summary populateSummaryChecks), shown as "NaN%" */
    if (checks && checks[2].u.rate.total == 0) snprintf(r->rows[2].cells[0], CELL, "NaN%%");
    for (size_t i = 0; i < nm; i++) {
        const summary_metric *m = &ms[i];
        enum section sec = section_of(m->name, c->d->full);
        if (!m->sink || sec == SEC_HIDDEN) continue;
        row *w = &r->rows[r->nrows++];
        if (row_fill(c, w, m->name, m->sink, m->kind) < 0) return -1;
        w->section = sec;
        r->sorted[r->nsorted++] = w;
    }
    qsort(r->sorted, r->nsorted, sizeof *r->sorted, row_ptr_cmp);
    return 0;
}

/* k6's name column (summary.js computeSummaryInfo / renderMetricLine): the
 * widest "<name><shown name>" of the rows measured together, plus 3 dots;
 * yes, the name counts twice (a sub-metric's full name plus its
 * "  { tag:value }"). The checks rows are measured on their own. */
static size_t name_column(const row *rows, size_t n) {
    size_t widest = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = width(rows[i].name) + rows[i].indent + width(rows[i].label);
        if (w > widest) widest = w;
    }
    return widest + MIN_DOTS;
}

static int measure(const ctx *c, results *r) {
    r->checks_w.trend = calloc(c->nstats + 1, sizeof(size_t));
    r->metrics_w.trend = calloc(c->nstats + 1, sizeof(size_t));
    if (!r->checks_w.trend || !r->metrics_w.trend) return -1;
    for (size_t i = 0; i < r->nrows; i++)
        widths_add(i < r->ncheck_rows ? &r->checks_w : &r->metrics_w, &r->rows[i], c->nstats);
    r->checks_col = name_column(r->rows, r->ncheck_rows);
    r->name_col = name_column(r->rows + r->ncheck_rows, r->nrows - r->ncheck_rows);
    return 0;
}

static void results_free(results *r) {
    for (size_t i = 0; r->rows && i < r->nrows; i++) row_free(&r->rows[i]);
    free(r->rows);
    free(r->sorted);
    free(r->checks_w.trend);
    free(r->metrics_w.trend);
}

static void put_sections(printer *o, const ctx *c, const results *r, size_t indent) {
    for (size_t s = 0; s < SEC_COUNT; s++) {
        enum section sec = SECTION_ORDER[s];
        bool any = false;
        for (size_t i = 0; i < r->nsorted; i++) {
            if (r->sorted[i]->section != sec) continue;
            if (!any) {
                element(o, indent);
                deco(o, C_BOLD, SECTION_TITLE[sec]);
                any = true;
            }
            put_row(o, c, r->sorted[i], &r->metrics_w, r->name_col, indent);
        }
        if (any) fputc('\n', o->f);
    }
}

/* The checks block and metric sections of TOTAL RESULTS, a group or a
 * scenario, their rows starting at column `indent`. */
static void put_content(printer *o, const ctx *c, const summary_metric *ms, size_t nm, const summary_check *cs,
                        size_t nc, size_t indent) {
    check_total *cks = calloc(nc + 1, sizeof *cks);
    results r = {0};
    sink checks[3];
    if (!cks) return;
    size_t ncks = merge_checks(cs, nc, cks);
    bool have_checks = checks_sinks(ms, nm, cks, ncks, checks);
    if (build_rows(c, &r, ms, nm, have_checks ? checks : NULL) == 0 && measure(c, &r) == 0) {
        if (have_checks) {
            for (size_t i = 0; i < r.ncheck_rows; i++) put_row(o, c, &r.rows[i], &r.checks_w, r.checks_col, indent);
            fputc('\n', o->f);
            for (size_t i = 0; i < ncks; i++) put_check(o, &cks[i], indent);
            fputc('\n', o->f);
        }
        put_sections(o, c, &r, indent);
    }
    results_free(&r);
    free(cks);
}

static void put_total_results(printer *o, const ctx *c) {
    const summary_data *d = c->d;
    title(o, "", "TOTAL RESULTS");
    put_content(o, c, d->metrics, d->nmetrics, d->checks, d->nchecks, 4);
    fputc('\n', o->f);
}

/* ---- groups and scenarios (full mode) ------------------------------------ */

static int group_ptr_cmp(const void *a, const void *b) {
    const char *x = (*(const summary_group *const *)a)->name, *y = (*(const summary_group *const *)b)->name;
    return coll_cmp(x, strlen(x), y, strlen(y));
}

/* Pointers to g[0..n) sorted by name (k6: localeCompare); NULL when n is 0
 * or out of memory. */
static const summary_group **sorted_groups(const summary_group *g, size_t n) {
    const summary_group **s = n ? malloc(n * sizeof *s) : NULL;
    for (size_t i = 0; s && i < n; i++) s[i] = &g[i];
    if (s) qsort(s, n, sizeof *s, group_ptr_cmp);
    return s;
}

/* Subgroups, depth first, in first-seen order (k6 keeps the groups' order
 * of appearance, summarizeReportToObject): "↳ GROUP: <name> " and a blank
 * line at 2 + 2*depth columns, their content 2 columns further in
 * (summary.js _renderNestedGroups, one render context deeper each time). */
static void put_subgroups(printer *o, const ctx *c, const summary_group *g, size_t n, size_t depth) {
    for (size_t i = 0; i < n; i++) {
        heading(o, 2 + 2 * depth, "↳", "GROUP: ", g[i].name, "\n");
        put_content(o, c, g[i].metrics, g[i].nmetrics, g[i].checks, g[i].nchecks, 4 + 2 * depth);
        put_subgroups(o, c, g[i].groups, g[i].ngroups, depth + 1);
    }
}

/* Top-level groups in first-seen order, scenarios sorted by name (k6:
 * addGroups keeps the order, addScenarios sorts with localeCompare). */
static void put_group_sections(printer *o, const ctx *c, const char *kind, const summary_group *g, size_t n,
                               bool sorted) {
    const summary_group **s = sorted ? sorted_groups(g, n) : NULL;
    for (size_t i = 0; i < n && (s || !sorted); i++) {
        const summary_group *x = s ? s[i] : &g[i];
        title(o, kind, x->name);
        put_content(o, c, x->metrics, x->nmetrics, x->checks, x->nchecks, 4);
        put_subgroups(o, c, x->groups, x->ngroups, 1);
        fputc('\n', o->f);
    }
    free(s);
}

summary_group *summary_groups_from_engine(const engine_node *const *nodes, size_t n) {
    summary_group *out = n ? calloc(n, sizeof *out) : NULL;
    for (size_t i = 0; out && i < n; i++) {
        summary_group *g = &out[i];
        const engine_node_metric *ms;
        const engine_check *ck;
        const engine_node *const *kids;
        size_t nm = engine_node_metrics(nodes[i], &ms), nc = engine_node_checks(nodes[i], &ck);
        size_t nk = engine_node_children(nodes[i], &kids);
        summary_metric *sm = calloc(nm + 1, sizeof *sm);
        summary_check *sc = calloc(nc + 1, sizeof *sc);
        g->name = engine_node_name(nodes[i]);
        g->metrics = sm;
        g->checks = sc;
        if (!sm || !sc) continue; /* shown empty */
        for (size_t k = 0; k < nm; k++) {
            const metric_def *def = registry_get(ms[k].metric);
            sm[k] = (summary_metric){def->name, def->type, def->kind, &ms[k].sink};
        }
        for (size_t k = 0; k < nc; k++) sc[k] = (summary_check){ck[k].name, "", ck[k].passes, ck[k].fails};
        g->nmetrics = nm;
        g->nchecks = nc;
        g->groups = summary_groups_from_engine(kids, nk);
        g->ngroups = g->groups ? nk : 0;
    }
    return out;
}

void summary_groups_free(const summary_group *g, size_t n) {
    for (size_t i = 0; g && i < n; i++) {
        free((summary_metric *)g[i].metrics);
        free((summary_check *)g[i].checks);
        summary_groups_free(g[i].groups, g[i].ngroups);
    }
    free((summary_group *)g);
}

void summary_render(FILE *f, const summary_data *d) {
    printer o = {f, d->color};
    ctx c = {d, d->trend_stats, d->ntrend_stats};
    if (!c.stats) {
        c.stats = DEFAULT_STATS;
        c.nstats = sizeof DEFAULT_STATS / sizeof DEFAULT_STATS[0];
    }
    if (d->nthresholds) put_thresholds(&o, &c);
    put_total_results(&o, &c);
    put_group_sections(&o, &c, "GROUP: ", d->groups, d->ngroups, false);
    put_group_sections(&o, &c, "SCENARIO: ", d->scenarios, d->nscenarios, true);
    fflush(f);
}
