/* `c6 cloud run`'s progress block (see cloud_progress.h). */
#include "service/cloud_progress.h"

#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli/progress.h"
#include "config/duration.h"
#include "util/clock.h"

void cloud_progress_init(cloud_progress *p) {
    p->tty = isatty(STDOUT_FILENO);
    p->drawn = false;
    p->last_us = 0;
    p->last = NULL;
}

void cloud_progress_free(cloud_progress *p) {
    cJSON_Delete(p->last);
    p->last = NULL;
}

static long long num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static void draw(cloud_progress *p, const cJSON *g, bool final) {
    int64_t el = num(g, "elapsed_ms") * 1000, max = num(g, "max_duration_ms") * 1000;
    char head[256];
    progress_head(head, sizeof head, false, el, max, num(g, "max_vus"), (int)num(g, "vus"), (int)num(g, "vus_max"),
                  num(g, "iterations"), num(g, "interrupted"));
    progress_bar bar = {.name = "Run", .status = " "};
    char a[48], b[48];
    progress_fixed_duration(a, sizeof a, el < max ? el : max, max);
    duration_format(b, sizeof b, max);
    if (el >= max) snprintf(bar.cols[0], PROGRESS_COL_LEN, "%s", b);
    else snprintf(bar.cols[0], PROGRESS_COL_LEN, "%s/%s", a, b);
    bar.frac = max > 0 ? (double)el / (double)max : 0;
    if (bar.frac > 1) bar.frac = 1;
    struct winsize ws;
    int width = p->tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
    progress_view v = {p->tty, p->tty, final, width};
    progress_render(stdout, &v, head, &bar, 1);
    fflush(stdout);
    p->drawn = p->tty && !final;
}

void cloud_progress_show(cloud_progress *p, const cJSON *run) {
    const cJSON *g = cJSON_GetObjectItem(run, "progress");
    if (!cJSON_IsObject(g)) return;
    cJSON *copy = cJSON_Duplicate(g, true);
    if (copy) {
        cJSON_Delete(p->last);
        p->last = copy;
    }
    int64_t now = clock_now_us();
    if (p->last_us && now - p->last_us < (p->tty ? 1000000 : 2000000)) return;
    p->last_us = now;
    draw(p, g, false);
}

void cloud_progress_settle(cloud_progress *p) {
    if (!p->drawn) return;
    if (p->last) draw(p, p->last, true);
    p->drawn = false;
}
