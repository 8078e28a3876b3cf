#include "exec/capacity.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "util/err.h"
#include "vu/coro.h"

/* The number after `key` in a "Key:   123 kB" file (/proc/meminfo,
 * /proc/self/status), in bytes; UINT64_MAX when absent. */
static uint64_t read_kb_field(const char *path, const char *key) {
    FILE *f = fopen(path, "r");
    if (!f) return UINT64_MAX;
    char line[256];
    size_t kl = strlen(key);
    uint64_t v = UINT64_MAX;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (!strncmp(line, key, kl) && sscanf(line + kl, " %llu", &kb) == 1) {
            v = (uint64_t)kb << 10;
            break;
        }
    }
    fclose(f);
    return v;
}

/* A file holding one number ("max" or absent: UINT64_MAX). */
static uint64_t read_number(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return UINT64_MAX;
    unsigned long long v;
    int ok = fscanf(f, "%llu", &v) == 1;
    fclose(f);
    return ok ? (uint64_t)v : UINT64_MAX;
}

static uint64_t cgroup_free(const char *limit_path, const char *usage_path) {
    uint64_t limit = read_number(limit_path), used = read_number(usage_path);
    if (limit == UINT64_MAX || limit >= ((uint64_t)1 << 60)) return UINT64_MAX; /* v1's "unlimited" is ~2^63 */
    if (used == UINT64_MAX) used = 0;
    return limit > used ? limit - used : 0;
}

void capacity_raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == rl.rlim_max) return;
    /* "unlimited" is no valid soft value: the kernel caps it at fs.nr_open */
    uint64_t nr_open = read_number("/proc/sys/fs/nr_open");
    rlim_t want = rl.rlim_max;
    if (want == RLIM_INFINITY) want = nr_open != UINT64_MAX ? (rlim_t)nr_open : (rlim_t)1 << 20;
    if (want <= rl.rlim_cur) return;
    rl.rlim_cur = want;
    (void)setrlimit(RLIMIT_NOFILE, &rl); /* a failure leaves the soft limit: the check reads what it is */
}

void capacity_read(capacity *c) {
    struct rlimit nf;
    c->nofile = c->nofile_hard = UINT64_MAX;
    if (getrlimit(RLIMIT_NOFILE, &nf) == 0) {
        if (nf.rlim_cur != RLIM_INFINITY) c->nofile = (uint64_t)nf.rlim_cur;
        if (nf.rlim_max != RLIM_INFINITY) c->nofile_hard = (uint64_t)nf.rlim_max;
    }
    c->fds_open = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) c->fds_open += e->d_name[0] != '.';
        closedir(d);
        c->fds_open--; /* the directory's own */
    }
    const char *test = getenv("C6_TEST_MEMORY");
    if (test && *test) {
        c->mem_available = c->cgroup_free = c->as_free = strtoull(test, NULL, 10);
        c->maps_free = UINT64_MAX;
        return;
    }
    /* tests: stands for vm.max_map_count (changing the real one needs root
     * and affects every process of the machine) */
    const char *test_maps = getenv("C6_TEST_MAX_MAP_COUNT");
    c->mem_available = read_kb_field("/proc/meminfo", "MemAvailable:");
    uint64_t v2 = cgroup_free("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current");
    uint64_t v1 =
        cgroup_free("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes");
    c->cgroup_free = v2 < v1 ? v2 : v1;
    c->maps_free = UINT64_MAX;
    uint64_t max_maps =
        test_maps && *test_maps ? strtoull(test_maps, NULL, 10) : read_number("/proc/sys/vm/max_map_count");
    FILE *m = max_maps != UINT64_MAX ? fopen("/proc/self/maps", "r") : NULL;
    if (m) {
        uint64_t used = 0;
        int ch;
        while ((ch = getc(m)) != EOF) used += ch == '\n';
        fclose(m);
        c->maps_free = max_maps > used ? max_maps - used : 0;
    }
    c->as_free = UINT64_MAX;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        uint64_t used = read_kb_field("/proc/self/status", "VmSize:");
        if (used == UINT64_MAX) used = 0;
        c->as_free = (uint64_t)rl.rlim_cur > used ? (uint64_t)rl.rlim_cur - used : 0;
    }
}

/* bytes as "12.3 GiB" */
static void human(char *buf, size_t n, long double bytes) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    while (bytes >= 1024 && u + 1 < sizeof units / sizeof *units) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, n, u ? "%.1Lf %s" : "%.0Lf %s", bytes, units[u]);
}

bool capacity_stack_guards(const capacity *c, int64_t vus) {
    if (c->maps_free == UINT64_MAX || vus <= 0) return true;
    return (long double)CORO_MAPS_WITH_GUARDS((long double)vus) + CAPACITY_BASE_MAPS <= (long double)c->maps_free;
}

int capacity_check_vus(const capacity *c, int64_t vus, char *err, size_t errlen) {
    if (vus <= 0) return 0;
    long double n = (long double)vus;
    long double rss = CAPACITY_BASE_RSS + n * CAPACITY_VU_RSS, virt = CAPACITY_BASE_VIRT + n * CAPACITY_VU_VIRT;
    const char *what = NULL;
    uint64_t have = 0;
    bool by_address_space = false;
    if (c->mem_available != UINT64_MAX && rss > (long double)c->mem_available) {
        what = "MemAvailable in /proc/meminfo";
        have = c->mem_available;
    } else if (c->cgroup_free != UINT64_MAX && rss > (long double)c->cgroup_free) {
        what = "its cgroup's memory limit less its usage";
        have = c->cgroup_free;
    } else if (c->as_free != UINT64_MAX && virt > (long double)c->as_free) {
        what = "RLIMIT_AS (ulimit -v) less the address space in use";
        have = c->as_free;
        by_address_space = true;
    }
    long double maps = CORO_MAPS_WITHOUT_GUARDS(n) + CAPACITY_BASE_MAPS;
    if (!what && c->maps_free != UINT64_MAX && maps > (long double)c->maps_free)
        return err_set(err, errlen,
                       "the test needs up to %" PRId64 " VUs, about %.0Lf memory mappings (2 for every 64 VUs' "
                       "stacks, and c6's own), but this machine allows %" PRIu64 " more (vm.max_map_count); "
                       "lower the VUs (vus, stages' targets, preAllocatedVUs, maxVUs), raise vm.max_map_count "
                       "(sysctl) or split the test with execution segments",
                       vus, maps, c->maps_free);
    if (!what) return 0;
    char needs[32], has[32];
    human(needs, sizeof needs, by_address_space ? virt : rss);
    human(has, sizeof has, (long double)have);
    return err_set(err, errlen,
                   "the test needs up to %" PRId64 " VUs, about %s of %s (%" PRIu64 " KiB per VU, %" PRIu64
                   " MiB for c6), "
                   "but this machine has %s (%s); lower the VUs (vus, stages' targets, preAllocatedVUs, maxVUs) "
                   "or split the test with execution segments",
                   vus, needs, by_address_space ? "address space" : "memory",
                   (by_address_space ? CAPACITY_VU_VIRT : CAPACITY_VU_RSS) >> 10,
                   (by_address_space ? CAPACITY_BASE_VIRT : CAPACITY_BASE_RSS) >> 20, has, what);
}

int capacity_check_plan(const capacity *c, uint64_t steps, char *err, size_t errlen) {
    long double need = (long double)steps * CAPACITY_PLAN_STEP;
    uint64_t have = c->mem_available < c->cgroup_free ? c->mem_available : c->cgroup_free;
    if (c->as_free < have) have = c->as_free;
    if (have == UINT64_MAX || need <= (long double)have) return 0;
    char needs[32], has[32];
    human(needs, sizeof needs, need);
    human(has, sizeof has, (long double)have);
    return err_set(err, errlen,
                   "the test's stages start or stop a VU %" PRIu64 " times: planning them needs about %s of "
                   "memory (%" PRIu64 " bytes each), but this machine has %s; use fewer or smaller ramps",
                   steps, needs, CAPACITY_PLAN_STEP, has);
}

int capacity_check_fds(const capacity *c, int64_t vus, int workers, bool uses_net, bool vus_hold, char *err,
                       size_t errlen) {
    if (!uses_net || c->nofile == UINT64_MAX) return 0;
    uint64_t own = c->fds_open + CAPACITY_MAIN_FDS + (uint64_t)(workers > 0 ? workers : 1) * CAPACITY_WORKER_FDS;
    if (c->nofile <= own) {
        err_set(err, errlen,
                "this process may open only %" PRIu64 " files (ulimit -n) and c6 itself needs %" PRIu64
                " (%d threads running VUs): the script could not open a single connection; raise the limit "
                "(ulimit -n)",
                c->nofile, own, workers > 0 ? workers : 1);
        return -1;
    }
    if (!vus_hold || vus <= 0) return 0;
    long double need = (long double)vus + (long double)(own + CAPACITY_SPARE_FDS);
    if (need <= (long double)c->nofile) return 0;
    char hard[48] = "";
    if (c->nofile_hard == c->nofile) snprintf(hard, sizeof hard, ", also its hard limit");
    err_set(err, errlen,
            "the test may need up to %.0Lf open files (one connection each of its %" PRId64
            " VUs keeps, more for more hosts, and %" PRIu64 " for c6), but this process may open %" PRIu64
            " (ulimit -n%s); "
            "requests past that wait for a free one (k6 fails them with \"too many open files\"): lower the "
            "VUs, set noConnectionReuse "
            "(a VU then holds a connection only during a request), raise the limit or split the test with "
            "execution segments",
            need, vus, own + CAPACITY_SPARE_FDS, c->nofile, hard);
    return 1;
}
