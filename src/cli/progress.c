#include "cli/progress.h"

#include <string.h>

#define BAR_DEFAULT_WIDTH  40 /* pb.DefaultWidth, brackets included */
#define BAR_MIN_WIDTH      8  /* pb minWidth: at or below it, a percentage */
#define LEFT_MIN           4  /* the "Init" bar k6 also measures */
#define LEFT_MAX           30 /* maxLeftLength */
#define DEFAULT_TERM_WIDTH 80

void progress_fixed_duration(char *out, size_t n, int64_t d_us, int64_t max_us) {
    const int64_t tenth = 100000;
    if (d_us < 0) d_us = -d_us;
    if (max_us < 0) max_us = -max_us;
    if (max_us < d_us) max_us = d_us;
    max_us = (max_us + tenth / 2) / tenth * tenth;
    int64_t u = (d_us + tenth / 2) / tenth;
    long long f = u % 10, s = u / 10 % 60, m = u / 600 % 60, h = u / 36000 % 24, days = u / 864000;
    const int64_t sec = 1000000;
    if (max_us < 10 * sec) snprintf(out, n, "%lld.%llds", s % 10, f);
    else if (max_us < 60 * sec) snprintf(out, n, "%02lld.%llds", s, f);
    else if (max_us < 600 * sec) snprintf(out, n, "%lldm%02lld.%llds", m % 10, s, f);
    else if (max_us < 3600 * sec) snprintf(out, n, "%02lldm%02lld.%llds", m, s, f);
    else if (max_us < 36000 * sec) snprintf(out, n, "%lldh%02lldm%02lld.%llds", h % 10, m, s, f);
    else if (max_us < 86400 * sec) snprintf(out, n, "%02lldh%02lldm%02lld.%llds", h, m, s, f);
    else {
        /* one digit of days, one more for each power of ten of 10-day spans */
        int digits = 1;
        for (int64_t rem = max_us / (240 * 3600 * sec); rem > 0 && digits < 12; rem /= 10) digits++;
        /* (digits & 15: the width gcc -O1 can bound; digits is at most 12) */
        snprintf(out, n, "%0*lldd%02lldh%02lldm%02lld.%llds", digits & 15, days % 1000000000000LL, h, m, s, f);
    }
}

/* Display width of UTF-8 text. */
static int text_width(const char *s) {
    int w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static int ncols(const progress_bar *b) {
    int n = 0;
    while (n < PROGRESS_COLS && b->cols[n][0]) n++;
    return n;
}

/* " %-*s" for each right-hand column: all but the last column of any bar
 * count for the padding, as k6's maxRColumnLen (byte lengths, like Go's len). */
static void right_text(char *out, size_t n, const progress_bar *b, const int *pad) {
    size_t off = 0;
    out[0] = 0;
    for (int i = 0; i < ncols(b) && off < n; i++)
        off += (size_t)snprintf(out + off, n - off, " %-*s", (i < 2 ? pad[i] : 0) + 1, b->cols[i]);
}

static void fill_bar(char *out, size_t n, double frac, int width, bool color) {
    if (width <= BAR_MIN_WIDTH) { /* "[ 100% ]" */
        snprintf(out, n, "[ %3.0f%% ]", frac * 100);
        return;
    }
    int space = width - 2, filled = (int)(space * frac);
    size_t off = (size_t)snprintf(out, n, "[");
    for (int k = 0; k < filled && off + 2 < n; k++) out[off++] = (k == filled - 1 && filled < space) ? '>' : '=';
    out[off] = 0;
    if (filled < space) {
        if (color) off += (size_t)snprintf(out + off, n - off, "\x1b[2m");
        for (int k = filled; k < space && off + 2 < n; k++) out[off++] = '-';
        out[off] = 0;
        if (color) off += (size_t)snprintf(out + off, n - off, "\x1b[0m");
    }
    snprintf(out + off, n - off, "]");
}

static const char *status_color(const char *st) {
    if (!strcmp(st, "✓")) return "\x1b[32m";
    if (!strcmp(st, "✗")) return "\x1b[31m";
    if (!strcmp(st, "•")) return "\x1b[2m";
    return NULL;
}

void progress_render(FILE *f, const progress_view *v, const char *head, const progress_bar *bars, int nbars) {
    const char *eol = v->tty ? "\x1b[K\n" : "\n";
    int term = v->term_width > 0 ? v->term_width : DEFAULT_TERM_WIDTH;
    int maxleft = LEFT_MIN, pad[2] = {0, 0};
    for (int i = 0; i < nbars; i++) {
        int l = (int)strlen(bars[i].name);
        if (l > maxleft) maxleft = l;
        for (int k = 0; k + 1 < ncols(&bars[i]) && k < 2; k++) {
            int w = (int)strlen(bars[i].cols[k]);
            if (w > pad[k]) pad[k] = w;
        }
    }
    if (maxleft > LEFT_MAX) maxleft = LEFT_MAX;
    char right[PROGRESS_COLS * (PROGRESS_COL_LEN + 4)], bar[256], left[LEFT_MAX + 1];
    /* on a terminal the bars shrink so that the longest line fits (k6's
     * widthDelta); elsewhere they are the compact percentage */
    int width = BAR_MIN_WIDTH;
    if (v->tty) {
        int longest = 0;
        for (int i = 0; i < nbars; i++) {
            right_text(right, sizeof right, &bars[i], pad);
            int len = maxleft + 3 + BAR_DEFAULT_WIDTH + text_width(right);
            if (len > longest) longest = len;
        }
        width = BAR_DEFAULT_WIDTH + term - longest - 1;
        if (width > BAR_DEFAULT_WIDTH) width = BAR_DEFAULT_WIDTH;
        if (width < BAR_MIN_WIDTH) width = BAR_MIN_WIDTH;
    }
    int breaks = 0;
    fputs(eol, f);
    if (head) {
        fputs(head, f);
        fputs(eol, f);
        breaks += (text_width(head) - 1) / term;
    }
    for (int i = 0; i < nbars; i++) {
        const progress_bar *b = &bars[i];
        if ((int)strlen(b->name) > maxleft) snprintf(left, sizeof left, "%.*s...", maxleft - 3, b->name);
        else snprintf(left, sizeof left, "%s", b->name);
        right_text(right, sizeof right, b, pad);
        fill_bar(bar, sizeof bar, b->frac, width, v->color);
        const char *sc = v->color ? status_color(b->status) : NULL;
        fprintf(f, "%-*s ", maxleft, left);
        if (sc) fprintf(f, "%s%s\x1b[0m", sc, b->status);
        else fputs(b->status, f);
        fprintf(f, " %s%s%s", bar, right, eol);
        int len = maxleft + 3 + (width <= BAR_MIN_WIDTH ? 8 : width) + text_width(right);
        breaks += (len - 1) / term;
    }
    if (v->tty && !v->final) fprintf(f, "\r\x1b[J\x1b[%dA", nbars + breaks + (head ? 2 : 1));
    fflush(f);
}

void progress_head(char *out, size_t n, bool paused, int64_t elapsed_us, int64_t max_duration_us, int64_t max_vus,
                   int vus, int vus_max, long long done, long long interrupted) {
    int width = snprintf(NULL, 0, "%lld", (long long)max_vus);
    char el[48];
    progress_fixed_duration(el, sizeof el, elapsed_us, max_duration_us);
    snprintf(out, n, "%s (%s), %0*d/%0*d VUs, %lld complete and %lld interrupted iterations",
             paused ? "paused" : "running", el, width, vus, width, vus_max, done, interrupted);
}
