/* The live progress block, drawn as k6's internal/cmd/ui.go
 * (renderMultipleBars) and internal/ui/pb draw it:
 *
 *   <empty line>
 *   running (01m02.3s), 05/10 VUs, 123 complete and 0 interrupted iterations
 *   default   [======>-------------------------------] 05/10 VUs  01m02.3s/05m00s
 *   other   ✓ [ 100% ] 1 VUs  0.4s/10m0s  1/1 shared iters      (not a terminal)
 *
 * The names are padded to the longest (at least 4, k6's "Init" bar; at most
 * 30, longer ones end in "..."), then the status mark (' ' running, '•'
 * waiting, '↓' gracefully stopping, '✓' done, '✗' interrupted), then the
 * bar: 38 columns on a terminal (fewer when the line would not fit), else
 * the percentage. Each right-hand column but the last is padded to the
 * widest of its kind plus one. On a terminal each line ends with an erase
 * and, unless final, the cursor goes back to the block's first line. */
#ifndef C6_PROGRESS_H
#define C6_PROGRESS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_COLS    3
#define PROGRESS_COL_LEN 96

typedef struct progress_bar {
    const char *name;
    const char *status;                         /* UTF-8 mark, " " while running */
    double frac;                                /* 0..1 */
    char cols[PROGRESS_COLS][PROGRESS_COL_LEN]; /* right-hand columns; empty ones end the list */
} progress_bar;

typedef struct progress_view {
    bool tty, color, final;
    int term_width; /* terminal columns (0: unknown, k6 uses 80) */
} progress_view;

/* pb.GetFixedLengthDuration: d rounded to 0.1 s with as many fields as max
 * needs, so the text keeps its width: "5.3s" (max < 10 s), "05.3s"
 * (< 1 min), "1m05.3s" (< 10 min), "01m05.3s" (< 1 h), "1h01m05.3s"
 * (< 10 h), "01h01m05.3s" (< 24 h), then days ("1d01h01m05.3s"). */
void progress_fixed_duration(char *out, size_t n, int64_t d_us, int64_t max_us);

/* The block's first line (execution.Scheduler getRunStats): "running
 * (01m12.0s), 050/100 VUs, 1234 complete and 0 interrupted iterations", the
 * elapsed time in max_duration_us's fixed length, the VU counts zero-padded
 * to max_vus's width. */
void progress_head(char *out, size_t n, bool paused, int64_t elapsed_us, int64_t max_duration_us, int64_t max_vus,
                   int vus, int vus_max, long long done, long long interrupted);

/* Writes the block: the summary line (head; NULL before the run starts,
 * when k6's first bar is still a bar), then one line per bar. */
void progress_render(FILE *f, const progress_view *v, const char *head, const progress_bar *bars, int nbars);

#endif
