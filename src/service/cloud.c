/* `c6 cloud run [run's flags] script.js|file.tar` and `c6 cloud stop ID`:
 * k6's cloud commands against the test-run service (c6 server). The
 * service's address and token: --host/--token, else K6_CLOUD_HOST /
 * K6_CLOUD_TOKEN (k6's names). `cloud run` makes the archive as
 * `c6 archive` does (the same init run and messages as `c6 run`), uploads
 * it, prints each status change and, while it runs, the progress
 * (cloud_progress.c), then the summary and why the service stopped it, and
 * exits with the run's code (c6 run's: 0, 99, 108, ...; 97 when the
 * service stopped it: a limit, the script error rule). Ctrl-C stops it.
 * --local-execution: the run's agent is this CLI (cloud_local.h). */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include "cli/run.h"
#include "service/cloud_progress.h"
#include "service/cloud_local.h"
#include "service/service.h"
#include "service/store.h"
#include "service/svc_http.h"
#include "util/log.h"

#define EXIT_CLOUD_FAILED   97 /* k6's CloudTestRunFailed */
#define EXIT_EXTERNAL_ABORT 105

static atomic_bool interrupted;
static void on_sigint(int sig) {
    (void)sig;
    atomic_store(&interrupted, true);
}

static void usage(FILE *f) {
    fprintf(f, "usage: c6 cloud run [run's flags] [--host URL] [--token T] [--tls-ca FILE] [--local-execution "
               "[--linger] [--no-archive-upload]] script.js|file.tar\n"
               "       c6 cloud stop [--host URL] [--token T] [--tls-ca FILE] ID\n\n"
               "Runs a test on the test-run service (c6 server), or stops one.\n"
               "  --host URL   the service (default: $K6_CLOUD_HOST, else http://" SERVICE_DEFAULT_LISTEN ")\n"
               "  --token T    its token (default: $K6_CLOUD_TOKEN)\n"
               "  --tls-ca FILE  the CAs (PEM) an https:// service's certificate is checked against\n"
               "               (default: $SSL_CERT_FILE, else the system's)\n"
               "  --local-execution  run the test here and stream its results to the service\n"
               "  --linger     (with --local-execution) after the end, wait for Ctrl-C before exiting\n"
               "  --no-archive-upload  (with --local-execution) the service keeps no copy of the test: its\n"
               "               archive is dropped once the run has ended\n");
}

typedef struct {
    const char *host, *token, *ca;
    bool local, linger, no_archive_upload;
    bool linger_flag; /* --linger given as a flag (k6 checks only the flag) */
} cloud_flags;

/* A boolean flag in its forms (--x, --x=true/false/1/0): 1 true, 0 false,
 * -1 not this flag. */
static int bool_flag(const char *a, const char *name) {
    size_t l = strlen(name);
    if (strncmp(a, name, l)) return -1;
    if (!a[l]) return 1;
    if (a[l] != '=') return -1;
    return !strcmp(a + l + 1, "true") || !strcmp(a + l + 1, "1");
}

/* Takes the cloud command's own flags out of argv (the rest are run's). */
static void take_flags(int *argc, char **argv, cloud_flags *f) {
    int k = 0, v;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i];
        if ((v = bool_flag(a, "--local-execution")) >= 0) {
            f->local = v;
            continue;
        }
        if ((v = bool_flag(a, "--linger")) >= 0 || (v = bool_flag(a, "-l")) >= 0) {
            f->linger = f->linger_flag = v;
            continue;
        }
        if ((v = bool_flag(a, "--no-archive-upload")) >= 0) {
            f->no_archive_upload = v;
            continue;
        }
        const char **dst = NULL;
        size_t l = 0;
        if (!strncmp(a, "--host", 6)) dst = &f->host, l = 6;
        else if (!strncmp(a, "--token", 7)) dst = &f->token, l = 7;
        else if (!strncmp(a, "--tls-ca", 8)) dst = &f->ca, l = 8;
        if (dst && a[l] == '=') *dst = a + l + 1;
        else if (dst && !a[l] && i + 1 < *argc) *dst = argv[++i];
        else argv[k++] = argv[i];
    }
    *argc = k;
}

static const char *error_of(const buf *resp) {
    static char msg[4096];
    cJSON *j = resp->p ? cJSON_Parse(resp->p) : NULL;
    const cJSON *e = cJSON_GetObjectItem(j, "error");
    snprintf(msg, sizeof msg, "%s", cJSON_IsString(e) ? e->valuestring : resp->p ? resp->p : "");
    cJSON_Delete(j);
    return msg;
}

static int stop(const char *base, const char *token, const char *id) {
    char u[2300], err[512];
    snprintf(u, sizeof u, "%s/v1/runs/%s/stop", base, id);
    buf resp = {0};
    long code = svc_http("POST", u, token, "", 0, &resp, err, sizeof err);
    int rc = 0;
    if (code < 0) log_printf(LOG_ERROR, "cannot reach the service: %s", err), rc = 255;
    else if (code != 200)
        log_printf(LOG_ERROR, "cannot stop run %s (HTTP %ld): %s", id, code, error_of(&resp)), rc = 255;
    else printf("run %s: stopping (Aborted by user)\n", id);
    buf_free(&resp);
    return rc;
}

static int cloud_run(int argc, char **argv, const char *base, const char *token, const cloud_flags *fl) {
    bool local = fl->local;
    char tmpl[] = "/tmp/c6-cloud-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        log_printf(LOG_ERROR, "cannot make a temporary file for the archive");
        return 255;
    }
    close(fd);
    /* the archive, validated as `c6 run` validates */
    char **av = calloc((size_t)argc + 3, sizeof *av);
    if (!av) return 255;
    av[0] = "-O";
    av[1] = tmpl;
    for (int i = 0; i < argc; i++) av[i + 2] = argv[i];
    int rc = run_archive_main(argc + 2, av);
    free(av);
    buf tar = {0}, resp = {0};
    FILE *f = rc ? NULL : fopen(tmpl, "rb");
    char chunk[65536];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&tar, chunk, n)) rc = 255;
    if (f) fclose(f);
    unlink(tmpl);
    if (rc) {
        buf_free(&tar);
        return rc;
    }
    const char *script = argc ? argv[argc - 1] : "test";
    const char *slash = strrchr(script, '/');
    char *name = curl_easy_escape(NULL, slash ? slash + 1 : script, 0);
    char u[2300], err[512];
    snprintf(u, sizeof u, "%s/v1/runs?name=%s%s%s", base, name ? name : "test", local ? "&local=1" : "",
             local && fl->no_archive_upload ? "&keep_archive=0" : "");
    curl_free(name);
    long code = svc_http("POST", u, token, tar.p, tar.len, &resp, err, sizeof err);
    buf_free(&tar);
    if (code != 201) {
        if (code < 0) log_printf(LOG_ERROR, "cannot reach the service: %s", err);
        else log_printf(LOG_ERROR, "the service refused the test (HTTP %ld): %s", code, error_of(&resp));
        buf_free(&resp);
        return code == 422 ? EXIT_CLOUD_FAILED : 255; /* 422: kept as Aborted by limit */
    }
    cJSON *j = cJSON_Parse(resp.p);
    const cJSON *idj = cJSON_GetObjectItem(j, "id");
    long long id = cJSON_IsNumber(idj) ? (long long)idj->valuedouble : 0;
    cJSON_Delete(j);
    printf("run %lld submitted: %s/v1/runs/%lld\n", id, base, id);
    fflush(stdout);
    signal(SIGINT, on_sigint);
    int shown = 0, exit_code = -1;
    bool stop_sent = false;
    int fails = 0;
    char waiting[1200] = ""; /* the queue's last reason shown */
    cloud_progress prog;
    cloud_progress_init(&prog);
    cloud_local agent = {0};
    snprintf(u, sizeof u, "%s/v1/runs/%lld", base, id);
    for (;;) {
        if (local) cloud_local_poll(&agent, base, token, id);
        if (atomic_load(&interrupted) && !stop_sent) {
            char sid[32];
            snprintf(sid, sizeof sid, "%lld", id);
            stop(base, token, sid);
            stop_sent = true;
        }
        code = svc_http("GET", u, token, NULL, 0, &resp, err, sizeof err);
        if (code != 200) {
            if (++fails > 50) { /* 15 s without the run's state */
                cloud_progress_settle(&prog);
                log_printf(LOG_ERROR, "lost the run's status: %s", code < 0 ? err : error_of(&resp));
                buf_free(&resp);
                cloud_progress_free(&prog);
                return 98; /* k6's CloudFailedToGetProgress */
            }
            usleep(300000);
            continue;
        }
        fails = 0;
        j = cJSON_Parse(resp.p);
        const cJSON *hist = cJSON_GetObjectItem(j, "statuses"), *h;
        int k = 0, last = RUN_CREATED;
        cJSON_ArrayForEach(h, hist) {
            const cJSON *s = cJSON_GetObjectItem(h, "status"), *at = cJSON_GetObjectItem(h, "at");
            last = cJSON_IsNumber(s) ? s->valueint : last;
            if (k++ < shown) continue;
            cloud_progress_settle(&prog);
            log_printf(LOG_INFO, "run %lld: %s (%d) at %s", id, run_status_name(last) ? run_status_name(last) : "?",
                       last, cJSON_IsString(at) ? at->valuestring : "");
            shown = k;
        }
        if (run_status_final(last)) {
            cloud_progress_settle(&prog);
            const cJSON *sum = cJSON_GetObjectItem(j, "summary"), *ec = cJSON_GetObjectItem(j, "exit_code"),
                        *why = cJSON_GetObjectItem(j, "error");
            if (cJSON_IsString(sum)) fputs(sum->valuestring, stdout);
            fflush(stdout);
            if (cJSON_IsString(why) && last != RUN_FINISHED && last != RUN_ABORTED_USER)
                log_printf(LOG_ERROR, "run %lld: %s", id, why->valuestring);
            exit_code = cJSON_IsNumber(ec)         ? ec->valueint
                        : last == RUN_ABORTED_USER ? EXIT_EXTERNAL_ABORT
                                                   : EXIT_CLOUD_FAILED;
            cJSON_Delete(j);
            break;
        }
        if (last == RUN_RUNNING) cloud_progress_show(&prog, j);
        /* why it waits in the queue: once, and again when that changes */
        const cJSON *qj = cJSON_GetObjectItem(j, "queue"), *pos = cJSON_GetObjectItem(qj, "position"),
                    *wf = cJSON_GetObjectItem(qj, "waiting_for");
        if (last == RUN_QUEUED && cJSON_IsString(wf) && strcmp(wf->valuestring, waiting)) {
            snprintf(waiting, sizeof waiting, "%s", wf->valuestring);
            log_printf(LOG_INFO, "run %lld: queued, position %d: %s", id, cJSON_IsNumber(pos) ? pos->valueint : 0,
                       waiting);
        }
        cJSON_Delete(j);
        usleep(250000);
    }
    cloud_progress_free(&prog);
    buf_free(&resp);
    cloud_local_end(&agent);
    if (local && fl->linger && !atomic_load(&interrupted)) {
        /* k6's --linger with --local-execution: the process stays until a signal */
        log_printf(LOG_INFO, "the test is over; lingering until SIGINT/SIGTERM (--linger)");
        signal(SIGTERM, on_sigint);
        while (!atomic_load(&interrupted)) usleep(100000);
    }
    return exit_code;
}

int cloud_main(int argc, char **argv) {
    const char *host = getenv("K6_CLOUD_HOST"), *token = getenv("K6_CLOUD_TOKEN");
    if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 255 : 0;
    }
    const char *sub = argv[0];
    argc--, argv++;
    cloud_flags fl = {.host = host, .token = token};
    const char *lg = getenv("K6_LINGER");
    fl.linger = lg && (!strcmp(lg, "true") || !strcmp(lg, "1"));
    take_flags(&argc, argv, &fl);
    host = fl.host, token = fl.token;
    svc_http_set_ca(fl.ca);
    char base[2048];
    if (!host || !*host) host = "http://" SERVICE_DEFAULT_LISTEN;
    size_t hl = strlen(host);
    snprintf(base, sizeof base, "%s%.*s", strstr(host, "://") ? "" : "http://",
             (int)(hl && host[hl - 1] == '/' ? hl - 1 : hl), host);
    if (!strcmp(sub, "run")) {
        if (argc < 1) {
            usage(stderr);
            return 255;
        }
        if (fl.linger_flag && fl.linger && !fl.local) {
            /* k6 cmd/cloud_run.go preRun: exitcodes.InvalidConfig */
            log_printf(LOG_ERROR, "the --linger flag can only be used in conjunction with the --local-execution flag");
            return 104;
        }
        return cloud_run(argc, argv, base, token, &fl);
    }
    if (!strcmp(sub, "stop") && argc == 1) return stop(base, token, argv[0]);
    log_printf(LOG_ERROR, "unknown cloud command or arguments: %s", sub);
    usage(stderr);
    return 255;
}
