/* Whether this machine can hold a test's VUs, checked before anything is
 * planned or started (issue 12: `vus: 1e9` used to end in SIGSEGV or an
 * "out of memory" abort part-way through initialising VUs). k6 has no such
 * check (it initialises VUs until Go runs out of memory); c6 refuses what
 * cannot run with an error (exit 104, as an invalid configuration). */
#ifndef C6_CAPACITY_H
#define C6_CAPACITY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one VU costs: resident memory (measured: ~124 KiB RSS per VU at
 * 10,000 VUs of a small script, ~93 KiB at 4,000) and address space (its
 * 256 KiB coroutine stack is reserved whole, plus the resident part:
 * measured ~350 KiB a VU). Plus what c6 needs before any VU: its workers'
 * threads and malloc arenas reserve ~240 MiB of address space (measured with
 * one VU on 2 cores), ~30 MiB of it resident. */
#define CAPACITY_VU_RSS    ((uint64_t)124 << 10)
#define CAPACITY_VU_VIRT   ((uint64_t)(256 + 124) << 10)
#define CAPACITY_BASE_RSS  ((uint64_t)64 << 20)
#define CAPACITY_BASE_VIRT ((uint64_t)256 << 20)
/* What planning costs for each change in the number of VUs (ramping-vus
 * plans one step per VU started or stopped, as k6 does: 24 bytes in the raw
 * ramp, 24 once gracefulRampDown is applied, 40 in the combined plan, and
 * the slack of doubling arrays). */
#define CAPACITY_PLAN_STEP ((uint64_t)128)
/* Memory mappings, out of the kernel's vm.max_map_count (65530 by
 * default): the VUs' stacks cost CORO_MAPS_WITH_GUARDS (2 a VU: the stack
 * and its guard page) or CORO_MAPS_WITHOUT_GUARDS (2 per 64 VUs; vu/coro.h);
 * c6 itself keeps a few hundred (libraries, threads, malloc arenas: 265
 * measured with 10,000 VUs on 2 cores). */
#define CAPACITY_BASE_MAPS 1000

/* The memory a new VU can use: the least of MemAvailable (/proc/meminfo),
 * the cgroup's limit minus its usage (v2 memory.max, v1
 * memory.limit_in_bytes), in resident bytes; and RLIMIT_AS minus the current
 * address space, in virtual bytes. Each is UINT64_MAX when unknown. Tests
 * and fuzzing set C6_TEST_MEMORY (bytes) to stand for all three. */
typedef struct capacity {
    uint64_t mem_available, cgroup_free, as_free;
    uint64_t maps_free;           /* vm.max_map_count less the mappings in use (UINT64_MAX: unknown) */
    uint64_t nofile, nofile_hard; /* RLIMIT_NOFILE, soft and hard (UINT64_MAX: unlimited or unknown) */
    uint64_t fds_open;            /* descriptors open now (/proc/self/fd; 0: unknown) */
} capacity;
void capacity_read(capacity *c);

/* Descriptors (issue 17). c6 raises its soft RLIMIT_NOFILE to the hard
 * limit at start (capacity_raise_nofile; k6's Go runtime does the same
 * since Go 1.19). What a run needs, estimated: for c6 itself what is
 * open when the check runs (stdio, outputs, the REST API), what its threads
 * open (below) and CAPACITY_SPARE_FDS (DNS, outputs' connections, files),
 * and for a script that imports a module that opens connections (k6/http,
 * k6/ws, websockets) one a VU: with connection reuse (k6's default) each VU
 * keeps the last connection it used to each host (at least one), and with
 * noVUConnectionReuse it keeps them until its iteration ends (a sleep inside
 * the iteration holds them); with noConnectionReuse a VU holds one only while
 * a request is in flight, so nothing is counted. */
#define CAPACITY_SPARE_FDS 16
/* What c6 certainly opens beyond what is open when the check runs: 4 a
 * worker thread (measured: 15 descriptors with 1 worker, 27 with 4) and 6
 * for the main and metrics threads (measured: with 2 workers and no REST
 * API, a 20th descriptor is the first a connection can have). */
#define CAPACITY_WORKER_FDS 4
#define CAPACITY_MAIN_FDS   6
void capacity_raise_nofile(void);
/* 0 when the estimate fits c's soft limit; 1 with a warning in err when it
 * does not (the run goes on, as k6's would; requests beyond the limit wait
 * for a free descriptor, net/client.c, where k6's fail with "too many open
 * files"; c6 cannot know how many VUs will connect, to how many hosts); -1 with an error in err when a script that connects
 * certainly could not open a single connection beside what c6 itself opens
 * (c->fds_open, and its threads'). */
int capacity_check_fds(const capacity *c, int64_t vus, int workers, bool uses_net, bool vus_hold, char *err,
                       size_t errlen);

/* Whether `vus` VUs' stacks can each have a guard page within the mappings
 * c allows (else they come without, see vu/coro.c). */
bool capacity_stack_guards(const capacity *c, int64_t vus);

/* 0 when `vus` VUs fit c, else -1 with the reason in err (how many VUs, the
 * memory they need, what the machine has and where that figure comes from). */
int capacity_check_vus(const capacity *c, int64_t vus, char *err, size_t errlen);
/* The same for a plan of `steps` changes in the number of VUs (a hostile
 * list of stages may ramp up and down many times within what c holds). */
int capacity_check_plan(const capacity *c, uint64_t steps, char *err, size_t errlen);

#endif
