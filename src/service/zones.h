/* Load zones of the test-run service: a run asks for them as k6 cloud
 * does, in options.cloud.distribution (or the older
 * options.ext.loadimpact.distribution):
 *   { label: { loadZone: "NAME", percent: P }, ... }   (P sum to 100)
 * and gets agents registered with `--zone NAME` for each label, its VUs
 * split by the percentages with execution segments (the label's share cut
 * in equal parts, one per agent of that label). */
#ifndef C6_SERVICE_ZONES_H
#define C6_SERVICE_ZONES_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define ZONES_MAX     32        /* labels in a distribution */
#define ZONE_NAME_MAX 128       /* a zone's or a label's bytes, NUL included */
#define ZONE_DEFAULT  "default" /* the zone of an agent started without --zone */

typedef struct {
    char label[ZONE_NAME_MAX], zone[ZONE_NAME_MAX];
    int percent;
} zone_share;

/* The distribution of a test's consolidated options (`c6 inspect`'s JSON:
 * "cloud", else "ext"."loadimpact"). The number of labels (0: none asked),
 * or -1 with err set to why it is refused. */
int zones_from_options(const cJSON *opts, zone_share *out, int max, char *err, size_t errlen);
/* As stored with the run: [{"label","loadZone","percent"}...] (malloc'd) and back. */
char *zones_to_json(const zone_share *z, int n);
int zones_from_json(const char *json, zone_share *out, int max);
/* The VUs a label's agents must be able to take: its share of vus, rounded up. */
int64_t zones_vus(int64_t vus, int percent);
/* The segment sequence for labels z[0..n) with nagents[i] agents each
 * ("0,1/4,1/2,1"): label i's share split evenly between its agents. 0, or
 * -1 if it does not fit in out. */
int zones_sequence(const zone_share *z, const int *nagents, int n, char *out, size_t len);
/* A zone name an agent may register: 1 to ZONE_NAME_MAX-1 printable bytes. */
int zone_name_ok(const char *name);
#endif
