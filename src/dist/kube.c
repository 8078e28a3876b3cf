/* `c6 kube`: prints the Kubernetes manifests that run a test as a
 * distributed run (README, "On Kubernetes"):
 *   Secret     NAME-token        the agents' token (data.token)
 *   ConfigMap  NAME-archive      the test as k6's archive (binaryData, archive.tar)
 *   Service    NAME-coordinator  ClusterIP, the coordinator's agent port
 *   Job        NAME-coordinator  one pod, `c6 coordinator`: its exit code is the Job's result
 *   Job        NAME-agents       Indexed, parallelism = completions = N, `c6 agent`
 * Nothing is retried: backoffLimit 0 and restartPolicy Never everywhere,
 * since a lost agent fails the whole run. The agents' pods wait for the
 * coordinator's port first (an init container running `c6 kube --wait-for`),
 * as `c6 agent` connects once.
 *
 * The YAML is written here: block style, every string double-quoted with
 * YAML's escapes, so no value can be read as another type or break the
 * document. k6-operator (grafana/k6-operator, pkg/resources/jobs) lays out
 * its runners in the same way (backoffLimit 0, restartPolicy Never, the
 * script from a ConfigMap, a claim or the image). */
#include "dist/kube.h"
#include "dist/dist.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/run.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strconv.h"
#include "util/utf8.h"

#define KUBE_EXIT_FLAGS    255 /* a command-line error, as run's */
#define KUBE_MAX_INSTANCES 64  /* c6 coordinator's own bound on --instances */
#define KUBE_NAME_MAX      51  /* 63 (a Service name: a DNS-1035 label) - strlen("-coordinator") */
#define KUBE_LABEL_MAX     63  /* DNS-1123 labels: namespaces */
/* k8s pkg/apis/core/validation: ValidateConfigMap sums the decoded length of
 * every data and binaryData value against core.MaxSecretSize, 1 MiB */
#define KUBE_CONFIGMAP_MAX 1048576
/* apimachinery ValidateAnnotations: TotalAnnotationSizeLimitB, 256 KiB;
 * client-side `kubectl apply` copies the whole object into an annotation */
#define KUBE_ANNOTATIONS_MAX 262144
#define KUBE_DEFAULT_IMAGE   "c6:latest"
#define KUBE_DEFAULT_LISTEN  "0.0.0.0:6566" /* c6 coordinator's port (6565 is the REST API's) */
#define KUBE_ARCHIVE_DIR     "/c6"
#define KUBE_ARCHIVE_KEY     "archive.tar"
#define KUBE_TOKEN_ENV       "C6_DIST_TOKEN" /* what c6 coordinator and c6 agent read when --token is not given */
#define KUBE_WAIT_DEFAULT_S  600             /* how long agents wait for the coordinator's port */

/* ---- a small YAML writer ------------------------------------------------
 * Block mappings and sequences, two spaces per level; keys are the code's
 * own names (plain when YAML reads them back as the same string), values
 * double-quoted strings, integers or booleans. Allocation failures stick
 * (docbuf) and are checked once at the end. */

typedef struct yaml {
    docbuf d;
    int depth;
    bool item; /* the next line opens a sequence item ("- ") */
} yaml;

static void y_indent(yaml *y) {
    for (int i = 0; i < y->depth; i++) doc_puts(&y->d, i == y->depth - 1 && y->item ? "- " : "  ");
    y->item = false;
}

/* A double-quoted YAML string: `"` and `\` escaped, C0 controls, DEL, C1
 * controls, U+2028/U+2029 (line breaks to YAML), U+FEFF, U+FFFE/U+FFFF as
 * escapes; other UTF-8 as it is (s is checked to be UTF-8 beforehand). */
static void y_quoted(yaml *y, const char *s) {
    size_t n = strlen(s);
    doc_putc(&y->d, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        char esc[16];
        if (c < 0x80) {
            i++;
            if (c == '"' || c == '\\') {
                doc_putc(&y->d, '\\');
                doc_putc(&y->d, (char)c);
            } else if (c == '\n') {
                doc_puts(&y->d, "\\n");
            } else if (c == '\t') {
                doc_puts(&y->d, "\\t");
            } else if (c < 0x20 || c == 0x7f) {
                snprintf(esc, sizeof esc, "\\x%02X", c);
                doc_puts(&y->d, esc);
            } else {
                doc_putc(&y->d, (char)c);
            }
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k) { /* not reached: arguments are checked; U+FFFD rather than a broken document */
            doc_puts(&y->d, "\\uFFFD");
            i++;
            continue;
        }
        if (cp <= 0x9f || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff || cp == 0xfffe || cp == 0xffff) {
            snprintf(esc, sizeof esc, "\\u%04X", (unsigned)cp);
            doc_puts(&y->d, esc);
        } else {
            doc_put(&y->d, s + i, k);
        }
        i += k;
    }
    doc_putc(&y->d, '"');
}

/* A key: plain when it is letters, digits, '.', '_', '/', '-' starting with
 * a letter and is none of YAML 1.1's boolean or null words; else quoted. */
static void y_key(yaml *y, const char *key) {
    static const char *const words[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"};
    bool plain = (key[0] >= 'a' && key[0] <= 'z') || (key[0] >= 'A' && key[0] <= 'Z');
    for (const char *p = key; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                *p == '_' || *p == '/' || *p == '-';
    for (size_t i = 0; plain && i < sizeof words / sizeof *words; i++) plain = strcasecmp(key, words[i]) != 0;
    y_indent(y);
    if (plain) doc_puts(&y->d, key);
    else y_quoted(y, key);
    doc_putc(&y->d, ':');
}

static void y_str(yaml *y, const char *key, const char *v) {
    y_key(y, key);
    doc_putc(&y->d, ' ');
    y_quoted(y, v);
    doc_putc(&y->d, '\n');
}

static void y_int(yaml *y, const char *key, long long v) {
    char n[32];
    snprintf(n, sizeof n, " %lld\n", v);
    y_key(y, key);
    doc_puts(&y->d, n);
}

static void y_bool(yaml *y, const char *key, bool v) {
    y_key(y, key);
    doc_puts(&y->d, v ? " true\n" : " false\n");
}

/* "key:" opening a mapping or a sequence one level deeper; y_end closes it. */
static void y_open(yaml *y, const char *key) {
    y_key(y, key);
    doc_putc(&y->d, '\n');
    y->depth++;
}

static void y_end(yaml *y) { y->depth--; }

/* An item of the sequence just opened that is a mapping; y_end closes it. */
static void y_item(yaml *y) {
    y->depth++;
    y->item = true;
}

/* An item that is a string. */
static void y_item_str(yaml *y, const char *v) {
    y_item(y);
    y_indent(y);
    y_quoted(y, v);
    doc_putc(&y->d, '\n');
    y_end(y);
}

/* A string of a container's command: Kubernetes expands $(VAR) there from
 * the container's variables and reads $$ as $, so every $ is doubled (a
 * flag like --tag x=$(C6_DIST_TOKEN) must stay as written). */
static void y_item_cmd(yaml *y, const char *v) {
    buf b = {0};
    for (const char *p = v; *p; p++)
        if ((*p == '$' && buf_append(&b, "$", 1)) || buf_append(&b, p, 1)) {
            y->d.oom = 1;
            buf_free(&b);
            return;
        }
    y_item_str(y, b.p ? b.p : "");
    buf_free(&b);
}

/* ---- the command line --------------------------------------------------- */

typedef struct kube {
    /* c6 kube's own flags (point into argv) */
    const char *instances, *ns, *image, *name, *token, *listen, *cpu, *memory, *cpu_limit, *memory_limit, *archive_file,
        *archive_claim, *wait_for, *wait_timeout;
    bool help;
    /* the rest: run's flags and the script, for the archive; run's flags
     * without those the archive holds, for the coordinator */
    char **run_argv, **coord_argv, **owned;
    int run_argc, coord_argc, nowned;
    int n;    /* --instances */
    int port; /* --listen's port */
    char name_buf[KUBE_NAME_MAX + 1];
    char token_buf[65];
    char service[KUBE_NAME_MAX + 32], agent_addr[KUBE_NAME_MAX + 40], archive_path[4096];
} kube;

static const struct kube_flag {
    const char *name;
    size_t off;
} KUBE_FLAGS[] = {
    {"instances", offsetof(kube, instances)},
    {"namespace", offsetof(kube, ns)},
    {"image", offsetof(kube, image)},
    {"name", offsetof(kube, name)},
    {"token", offsetof(kube, token)},
    {"listen", offsetof(kube, listen)},
    {"cpu", offsetof(kube, cpu)},
    {"memory", offsetof(kube, memory)},
    {"cpu-limit", offsetof(kube, cpu_limit)},
    {"memory-limit", offsetof(kube, memory_limit)},
    {"archive-file", offsetof(kube, archive_file)},
    {"archive-claim", offsetof(kube, archive_claim)},
    {"wait-for", offsetof(kube, wait_for)},
    {"wait-timeout", offsetof(kube, wait_timeout)},
};

/* run's flags that stay out of the coordinator's command: the archive
 * already holds what they gave (the config file's options, -e's variables)
 * or they name the input (-t), and --exclude-env-vars is archive's own */
static bool kube_archived_flag(const char *name) {
    return !strcmp(name, "config") || !strcmp(name, "env") || !strcmp(name, "type") ||
           !strcmp(name, "exclude-env-vars");
}

/* run's flags that only the pods get: where logs and console output go
 * (here they could land in the YAML on stdout) */
static bool kube_pod_flag(const char *name) { return !strcmp(name, "log-output") || !strcmp(name, "console-output"); }

static void kube_usage(FILE *f) {
    fprintf(f,
            "usage: c6 kube [run's flags] script.js|file.tar --instances N [flags]\n\n"
            "Prints the Kubernetes manifests (YAML) of a distributed run: the test as an archive in a\n"
            "ConfigMap, the token in a Secret, `c6 coordinator` as a Job with a Service, N `c6 agent`\n"
            "as an Indexed Job. Apply them with `kubectl create -f`; the coordinator's Job completes\n"
            "or fails with the run (README, \"On Kubernetes\").\n\n"
            "  --instances N          the number of agents (1 to %d; required)\n"
            "  --name NAME            the objects' name prefix (default: from the script's file name)\n"
            "  --namespace NS         their namespace (default \"default\")\n"
            "  --image IMAGE          an image with c6 on its PATH (default %s)\n"
            "  --token T              the agents' token (default: generated)\n"
            "  --listen HOST:PORT     the coordinator's address in its pod (default %s)\n"
            "  --cpu Q, --memory Q    each pod's requests (e.g. 2, 500m; 1Gi)\n"
            "  --cpu-limit Q, --memory-limit Q   each pod's limits (default: none)\n"
            "  --archive-file PATH    the archive is at PATH in the coordinator's container (no ConfigMap)\n"
            "  --archive-claim CLAIM  ... in the PersistentVolumeClaim CLAIM, mounted at %s\n"
            "                         (default PATH %s/%s)\n"
            "  c6 kube --wait-for HOST:PORT [--wait-timeout SECONDS]\n"
            "                         wait until HOST:PORT accepts connections (the agents' init step)\n\n"
            "`c6 run --help` lists run's flags.\n",
            KUBE_MAX_INSTANCES, KUBE_DEFAULT_IMAGE, KUBE_DEFAULT_LISTEN, KUBE_ARCHIVE_DIR, KUBE_ARCHIVE_DIR,
            KUBE_ARCHIVE_KEY);
}

static int kube_flag_error(const char *flag, const char *val, const char *why) {
    log_printf(LOG_ERROR, "invalid argument \"%s\" for \"--%s\" flag: %s", val, flag, why);
    return -1;
}

static char *kube_own(kube *k, char *s) {
    if (!s) return NULL;
    char **o = realloc(k->owned, (size_t)(k->nowned + 1) * sizeof *o);
    if (!o) {
        free(s);
        return NULL;
    }
    k->owned = o;
    return k->owned[k->nowned++] = s;
}

/* Sorts argv into c6 kube's flags, the archive's arguments and the
 * coordinator's. -1 on an error (logged). */
static int kube_split(kube *k, int argc, char **argv) {
    k->run_argv = calloc((size_t)argc + 3, sizeof *k->run_argv);
    k->coord_argv = calloc((size_t)argc + 1, sizeof *k->coord_argv);
    if (!k->run_argv || !k->coord_argv) {
        log_printf(LOG_ERROR, "out of memory");
        return -1;
    }
    k->run_argv[k->run_argc++] = "-O"; /* the archive's file: kube_archive puts it first */
    k->run_argv[k->run_argc++] = NULL;
    bool positional = false;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (!utf8_valid(a, strlen(a))) {
            log_printf(LOG_ERROR, "argument %d is not UTF-8: it cannot go into the manifests", i + 1);
            return -1;
        }
        if (positional || a[0] != '-' || a[1] == '\0') { /* the script ("-": stdin) */
            k->run_argv[k->run_argc++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            positional = true;
            k->run_argv[k->run_argc++] = a;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            k->help = true;
            continue;
        }
        if (a[1] == '-') {
            const char *nm = a + 2, *eq = strchr(nm, '=');
            size_t len = eq ? (size_t)(eq - nm) : strlen(nm);
            const struct kube_flag *f = NULL;
            for (size_t j = 0; j < sizeof KUBE_FLAGS / sizeof *KUBE_FLAGS && !f; j++)
                if (strlen(KUBE_FLAGS[j].name) == len && !memcmp(KUBE_FLAGS[j].name, nm, len)) f = &KUBE_FLAGS[j];
            if (f) {
                const char *val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
                if (!val) {
                    log_printf(LOG_ERROR, "flag needs an argument: --%s", f->name);
                    return -1;
                }
                if (!utf8_valid(val, strlen(val))) {
                    log_printf(LOG_ERROR, "argument %d is not UTF-8: it cannot go into the manifests", i + 1);
                    return -1;
                }
                *(const char **)((char *)k + f->off) = val;
                continue;
            }
        }
        const char *name;
        int letter;
        int span = args_flag_at(argc, argv, i, &name, &letter);
        if (span == 0) { /* not a flag of run's: run's parser reports it */
            k->run_argv[k->run_argc++] = a;
            continue;
        }
        if (!strcmp(name, "archive-out")) {
            log_printf(LOG_ERROR, "c6 kube puts the archive into the manifests: -O/--archive-out is c6 archive's");
            return -1;
        }
        for (int j = 0; j < span; j++) {
            if (!utf8_valid(argv[i + j], strlen(argv[i + j]))) {
                log_printf(LOG_ERROR, "argument %d is not UTF-8: it cannot go into the manifests", i + j + 1);
                return -1;
            }
            if (!kube_pod_flag(name)) k->run_argv[k->run_argc++] = argv[i + j];
            if (!kube_archived_flag(name)) k->coord_argv[k->coord_argc++] = argv[i + j];
        }
        if (kube_archived_flag(name) && letter > 1) { /* "-qe X": the coordinator keeps -q */
            char *head = kube_own(k, strndup(a, (size_t)letter));
            if (!head) {
                log_printf(LOG_ERROR, "out of memory");
                return -1;
            }
            k->coord_argv[k->coord_argc++] = head;
        }
        i += span - 1;
    }
    return 0;
}

/* ---- checks --------------------------------------------------------------- */

/* [a-z0-9]([-a-z0-9]*[a-z0-9])?, a letter first when dns1035 */
static bool kube_label_ok(const char *s, size_t max, bool dns1035) {
    size_t n = strlen(s);
    if (n == 0 || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && i > 0 && i < n - 1)) return false;
    }
    return !dns1035 || (s[0] >= 'a' && s[0] <= 'z');
}

/* A Kubernetes quantity (apimachinery resource.Quantity's grammar: a
 * number, then a binary or decimal SI suffix or an exponent), over 0; its
 * value in *out. */
static bool kube_quantity(const char *s, double *out) {
    const char *p = s + (*s == '+');
    const char *num = p;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++, digits++;
    }
    if (!digits || p - num > 40) return false;
    char tmp[48];
    memcpy(tmp, num, (size_t)(p - num));
    tmp[p - num] = 0;
    double v = strtod(tmp, NULL);
    static const struct {
        const char *sfx;
        double mul;
    } sfx[] = {
        {"", 1},        {"n", 1e-9},    {"u", 1e-6},    {"m", 1e-3},    {"k", 1e3},     {"M", 1e6},
        {"G", 1e9},     {"T", 1e12},    {"P", 1e15},    {"E", 1e18},    {"Ki", 0x1p10}, {"Mi", 0x1p20},
        {"Gi", 0x1p30}, {"Ti", 0x1p40}, {"Pi", 0x1p50}, {"Ei", 0x1p60},
    };
    bool ok = false;
    for (size_t i = 0; i < sizeof sfx / sizeof *sfx && !ok; i++)
        if (!strcmp(p, sfx[i].sfx)) ok = true, v *= sfx[i].mul;
    if (!ok && (*p == 'e' || *p == 'E')) { /* a decimal exponent: e3, E-2 */
        const char *e = p + 1 + (p[1] == '+' || p[1] == '-');
        int64_t x;
        if (*e < '0' || *e > '9' || strconv_parse_i64(p + 1 + (p[1] == '+'), &x) || x > 30 || x < -30) return false;
        ok = true;
        for (; x > 0; x--) v *= 10;
        for (; x < 0; x++) v /= 10;
    }
    *out = v;
    return ok && v > 0;
}

static int kube_check_quantity(const char *flag, const char *v, double *out) {
    if (!v) return 0;
    if (!kube_quantity(v, out))
        return kube_flag_error(flag, v, "not a Kubernetes quantity over 0 (e.g. 2, 500m, 1.5, 512Mi, 2Gi)");
    return 0;
}

/* The default name: the script's file name without its extension, lower
 * case, runs of other characters as one '-', from its first letter on. */
static void kube_default_name(kube *k, const char *script) {
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    const char *dot = strchr(base, '.');
    size_t n = dot ? (size_t)(dot - base) : strlen(base), o = 0;
    for (size_t i = 0; i < n && o < KUBE_NAME_MAX; i++) {
        char c = base[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!o && !(c >= 'a' && c <= 'z')) continue;
        if (alnum) k->name_buf[o++] = c;
        else if (k->name_buf[o - 1] != '-') k->name_buf[o++] = '-';
    }
    while (o && k->name_buf[o - 1] == '-') o--;
    k->name_buf[o] = 0;
    if (!o) snprintf(k->name_buf, sizeof k->name_buf, "c6");
    k->name = k->name_buf;
}

/* run's flags (through run's parser, for its errors, -h, and the flags the
 * coordinator refuses), then c6 kube's own. */
static int kube_check(kube *k) {
    c6_run_args a;
    char err[1024];
    if (args_parse_archive(k->run_argc - 2, k->run_argv + 2, &a, err, sizeof err)) {
        log_printf(LOG_ERROR, "%s", err);
        return -1;
    }
    int rc = 0;
    /* c6 coordinator's refusals, before anything is applied */
    if (a.help) { /* -h in a group of short flags */
        k->help = true;
    } else if (coordinator_refuses(&a)) {
        rc = -1;
    } else if (!k->name) {
        kube_default_name(k, a.script);
    }
    args_free(&a);
    if (rc || k->help) return rc;
    if (!k->instances) {
        log_printf(LOG_ERROR, "--instances N is required");
        return -1;
    }
    int64_t n;
    if (strconv_parse_i64(k->instances, &n) || n < 1 || n > KUBE_MAX_INSTANCES) {
        char why[32];
        snprintf(why, sizeof why, "want 1 to %d", KUBE_MAX_INSTANCES);
        return kube_flag_error("instances", k->instances, why);
    }
    k->n = (int)n;
    if (!k->ns) k->ns = "default";
    if (!kube_label_ok(k->ns, KUBE_LABEL_MAX, false))
        return kube_flag_error("namespace", k->ns,
                               "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                               "and must start and end with an alphanumeric character, at most 63 of them");
    if (k->name && !kube_label_ok(k->name, KUBE_NAME_MAX, true))
        return kube_flag_error("name", k->name,
                               "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
                               "with an alphabetic character, and end with an alphanumeric character; at most 51 "
                               "of them (NAME-coordinator names a Service, a 63-character label)");
    if (!k->image) k->image = KUBE_DEFAULT_IMAGE;
    bool blank = !*k->image;
    for (const char *p = k->image; *p && !blank; p++) blank = (unsigned char)*p <= ' ' || *p == 0x7f;
    if (blank) return kube_flag_error("image", k->image, "an image reference, without spaces or control characters");
    if (k->token && !*k->token) return kube_flag_error("token", k->token, "empty (leave it out for a generated one)");
    if (!k->listen) k->listen = KUBE_DEFAULT_LISTEN;
    const char *colon = strrchr(k->listen, ':');
    int64_t port;
    if (!colon || colon == k->listen || strconv_parse_i64(colon + 1, &port) || port < 1 || port > 65535)
        return kube_flag_error("listen", k->listen, "want HOST:PORT, the port from 1 to 65535");
    k->port = (int)port;
    double cpu = 0, mem = 0, cpu_lim = 0, mem_lim = 0;
    if (kube_check_quantity("cpu", k->cpu, &cpu) || kube_check_quantity("memory", k->memory, &mem) ||
        kube_check_quantity("cpu-limit", k->cpu_limit, &cpu_lim) ||
        kube_check_quantity("memory-limit", k->memory_limit, &mem_lim))
        return -1;
    /* k8s ValidateResourceRequirements: a request above its limit is refused */
    if (k->cpu && k->cpu_limit && cpu > cpu_lim) return kube_flag_error("cpu", k->cpu, "more than --cpu-limit");
    if (k->memory && k->memory_limit && mem > mem_lim)
        return kube_flag_error("memory", k->memory, "more than --memory-limit");
    if (k->archive_claim && !kube_label_ok(k->archive_claim, 253, false)) {
        /* a claim's name is a DNS-1123 subdomain: labels joined by dots */
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", k->archive_claim);
        bool ok = strlen(k->archive_claim) <= 253;
        for (char *save = NULL, *l = strtok_r(tmp, ".", &save); ok && l; l = strtok_r(NULL, ".", &save))
            ok = kube_label_ok(l, KUBE_LABEL_MAX, false);
        if (!ok || tmp[0] == '.' || k->archive_claim[strlen(k->archive_claim) - 1] == '.' ||
            strstr(k->archive_claim, ".."))
            return kube_flag_error("archive-claim", k->archive_claim,
                                   "not a PersistentVolumeClaim's name (a DNS-1123 subdomain)");
    }
    if (k->archive_file && k->archive_file[0] != '/')
        return kube_flag_error("archive-file", k->archive_file, "an absolute path in the coordinator's container");

    snprintf(k->service, sizeof k->service, "%s-coordinator", k->name);
    snprintf(k->agent_addr, sizeof k->agent_addr, "%s:%d", k->service, k->port);
    snprintf(k->archive_path, sizeof k->archive_path, "%s",
             k->archive_file ? k->archive_file : KUBE_ARCHIVE_DIR "/" KUBE_ARCHIVE_KEY);
    return 0;
}

/* ---- the archive and the token ------------------------------------------ */

/* `c6 archive` of the same arguments, into memory (a memfd given to -O):
 * the same bytes `c6 archive -O file` writes. 0, or the archive's exit
 * code (its error logged). */
static int kube_archive(kube *k, buf *out) {
    int fd = memfd_create("c6-kube-archive", MFD_CLOEXEC);
    if (fd < 0) {
        log_printf(LOG_ERROR, "cannot hold the archive: %s", strerror(errno));
        return KUBE_EXIT_FLAGS;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    k->run_argv[1] = path;
    int code = run_archive_main(k->run_argc, k->run_argv);
    k->run_argv[1] = NULL;
    if (code) {
        close(fd);
        return code;
    }
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && st.st_size > 0 && buf_reserve(out, (size_t)st.st_size) == 0;
    size_t got = 0;
    while (ok && got < (size_t)st.st_size) {
        ssize_t r = pread(fd, out->p + got, (size_t)st.st_size - got, (off_t)got);
        if (r <= 0) ok = false;
        else got += (size_t)r;
    }
    close(fd);
    if (!ok) {
        log_printf(LOG_ERROR, "cannot read the archive back: %s", errno ? strerror(errno) : "empty");
        return KUBE_EXIT_FLAGS;
    }
    out->len = got;
    return 0;
}

static int kube_token(kube *k) {
    if (k->token) return 0;
    unsigned char raw[32];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        log_printf(LOG_ERROR, "cannot make a token: %s", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof raw; i++) snprintf(k->token_buf + 2 * i, 3, "%02x", raw[i]);
    k->token = k->token_buf;
    return 0;
}

/* ---- the manifests ------------------------------------------------------ */

static void y_metadata(yaml *y, const kube *k, const char *name, const char *component) {
    y_open(y, "metadata");
    y_str(y, "name", name);
    y_str(y, "namespace", k->ns);
    y_open(y, "labels");
    y_str(y, "app.kubernetes.io/name", "c6");
    y_str(y, "app.kubernetes.io/instance", k->name);
    y_str(y, "app.kubernetes.io/component", component);
    y_end(y);
    y_end(y);
}

static void y_doc(yaml *y, const char *api, const char *kind) {
    doc_puts(&y->d, "---\n");
    y_str(y, "apiVersion", api);
    y_str(y, "kind", kind);
}

static void y_token_env(yaml *y, const kube *k, const char *secret) {
    y_open(y, "env");
    y_item(y);
    y_str(y, "name", KUBE_TOKEN_ENV);
    y_open(y, "valueFrom");
    y_open(y, "secretKeyRef");
    y_str(y, "name", secret);
    y_str(y, "key", "token");
    y_end(y);
    y_end(y);
    y_end(y);
    y_end(y);
}

static void y_resources(yaml *y, const kube *k) {
    if (!k->cpu && !k->memory && !k->cpu_limit && !k->memory_limit) return;
    y_open(y, "resources");
    if (k->cpu || k->memory) {
        y_open(y, "requests");
        if (k->cpu) y_str(y, "cpu", k->cpu);
        if (k->memory) y_str(y, "memory", k->memory);
        y_end(y);
    }
    if (k->cpu_limit || k->memory_limit) {
        y_open(y, "limits");
        if (k->cpu_limit) y_str(y, "cpu", k->cpu_limit);
        if (k->memory_limit) y_str(y, "memory", k->memory_limit);
        y_end(y);
    }
    y_end(y);
}

/* What every container gets: no privilege escalation, no capabilities, the
 * last log lines as the termination message of a failed container. */
static void y_container_common(yaml *y, const kube *k) {
    y_str(y, "image", k->image);
    y_str(y, "terminationMessagePolicy", "FallbackToLogsOnError");
    y_open(y, "securityContext");
    y_bool(y, "allowPrivilegeEscalation", false);
    y_open(y, "capabilities");
    y_open(y, "drop");
    y_item_str(y, "ALL");
    y_end(y);
    y_end(y);
    y_end(y);
}

/* The pod spec's fields both Jobs share: no retry, no API token, and none
 * of the namespace's Services as variables (they would reach the script's
 * __ENV, as the system's variables do). */
static void y_pod_common(yaml *y) {
    y_str(y, "restartPolicy", "Never");
    y_bool(y, "automountServiceAccountToken", false);
    y_bool(y, "enableServiceLinks", false);
    y_open(y, "securityContext");
    y_open(y, "seccompProfile");
    y_str(y, "type", "RuntimeDefault");
    y_end(y);
    y_end(y);
}

static void y_selector_labels(yaml *y, const kube *k, const char *key, const char *component) {
    y_open(y, key);
    y_str(y, "app.kubernetes.io/name", "c6");
    y_str(y, "app.kubernetes.io/instance", k->name);
    y_str(y, "app.kubernetes.io/component", component);
    y_end(y);
}

static void kube_emit(yaml *y, const kube *k, const buf *archive) {
    char secret[KUBE_NAME_MAX + 16], configmap[KUBE_NAME_MAX + 16], agents[KUBE_NAME_MAX + 16], num[32];
    snprintf(secret, sizeof secret, "%s-token", k->name);
    snprintf(configmap, sizeof configmap, "%s-archive", k->name);
    snprintf(agents, sizeof agents, "%s-agents", k->name);
    bool in_configmap = !k->archive_file && !k->archive_claim;

    doc_puts(&y->d, "# c6 kube: the distributed run \"");
    doc_puts(&y->d, k->name);
    doc_puts(&y->d, "\" (namespace ");
    doc_puts(&y->d, k->ns);
    snprintf(num, sizeof num, "%d", k->n);
    doc_puts(&y->d, ", ");
    doc_puts(&y->d, num);
    doc_puts(&y->d, k->n == 1 ? " agent)\n" : " agents)\n");
    doc_puts(&y->d, "# start: kubectl create -f FILE; the result: job/");
    doc_puts(&y->d, k->service);
    doc_puts(&y->d, " completes (exit 0) or fails (its pod's exit code);\n# remove: kubectl delete -f FILE\n");

    /* the token */
    y_doc(y, "v1", "Secret");
    y_metadata(y, k, secret, "token");
    y_str(y, "type", "Opaque");
    y_open(y, "data");
    {
        size_t tl = strlen(k->token);
        char *b64 = malloc(b64_encoded_len(tl, B64_STD) + 1);
        if (!b64) y->d.oom = 1;
        else {
            b64_encode((const uint8_t *)k->token, tl, B64_STD, b64);
            y_str(y, "token", b64);
            free(b64);
        }
    }
    y_end(y);

    /* the archive */
    if (in_configmap) {
        y_doc(y, "v1", "ConfigMap");
        y_metadata(y, k, configmap, "archive");
        y_bool(y, "immutable", true);
        y_open(y, "binaryData");
        char *b64 = malloc(b64_encoded_len(archive->len, B64_STD) + 1);
        if (!b64) y->d.oom = 1;
        else {
            b64_encode((const uint8_t *)archive->p, archive->len, B64_STD, b64);
            y_str(y, KUBE_ARCHIVE_KEY, b64);
            free(b64);
        }
        y_end(y);
    }

    /* the coordinator's address for the agents */
    y_doc(y, "v1", "Service");
    y_metadata(y, k, k->service, "coordinator");
    y_open(y, "spec");
    y_str(y, "type", "ClusterIP");
    y_selector_labels(y, k, "selector", "coordinator");
    y_open(y, "ports");
    y_item(y);
    y_str(y, "name", "agents");
    y_str(y, "protocol", "TCP");
    y_int(y, "port", k->port);
    y_int(y, "targetPort", k->port);
    y_end(y);
    y_end(y);
    y_end(y);

    /* the coordinator: one pod, not retried; the Job's result is its exit code */
    y_doc(y, "batch/v1", "Job");
    y_metadata(y, k, k->service, "coordinator");
    y_open(y, "spec");
    y_int(y, "completions", 1);
    y_int(y, "parallelism", 1);
    y_int(y, "backoffLimit", 0);
    y_open(y, "template");
    y_open(y, "metadata");
    y_selector_labels(y, k, "labels", "coordinator");
    y_end(y);
    y_open(y, "spec");
    y_pod_common(y);
    y_open(y, "containers");
    y_item(y);
    y_str(y, "name", "coordinator");
    y_container_common(y, k);
    y_open(y, "command");
    y_item_str(y, "c6");
    y_item_str(y, "coordinator");
    for (int i = 0; i < k->coord_argc; i++) y_item_cmd(y, k->coord_argv[i]);
    y_item_cmd(y, k->archive_path);
    y_item_str(y, "--instances");
    y_item_str(y, num);
    y_item_str(y, "--listen");
    y_item_cmd(y, k->listen);
    y_item_str(y, "--token");
    y_item_str(y, "$(" KUBE_TOKEN_ENV ")"); /* from the Secret, through env below */
    y_end(y);
    y_token_env(y, k, secret);
    y_open(y, "ports");
    y_item(y);
    y_str(y, "name", "agents");
    y_int(y, "containerPort", k->port);
    y_str(y, "protocol", "TCP");
    y_end(y);
    y_end(y);
    /* ready once it listens: after its first init run (a broken script ends it before) */
    y_open(y, "readinessProbe");
    y_open(y, "tcpSocket");
    y_int(y, "port", k->port);
    y_end(y);
    y_int(y, "periodSeconds", 2);
    y_end(y);
    y_resources(y, k);
    if (k->archive_claim || in_configmap) {
        y_open(y, "volumeMounts");
        y_item(y);
        y_str(y, "name", "archive");
        y_str(y, "mountPath", KUBE_ARCHIVE_DIR);
        y_bool(y, "readOnly", true);
        y_end(y);
        y_end(y);
    }
    y_end(y); /* the container */
    y_end(y); /* containers */
    if (k->archive_claim || in_configmap) {
        y_open(y, "volumes");
        y_item(y);
        y_str(y, "name", "archive");
        if (in_configmap) {
            y_open(y, "configMap");
            y_str(y, "name", configmap);
        } else {
            y_open(y, "persistentVolumeClaim");
            y_str(y, "claimName", k->archive_claim);
            y_bool(y, "readOnly", true);
        }
        y_end(y);
        y_end(y);
        y_end(y);
    }
    y_end(y); /* template.spec */
    y_end(y); /* template */
    y_end(y); /* spec */

    /* the agents: N pods at once, none retried (a lost agent fails the run) */
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%d", KUBE_WAIT_DEFAULT_S);
    y_doc(y, "batch/v1", "Job");
    y_metadata(y, k, agents, "agent");
    y_open(y, "spec");
    y_str(y, "completionMode", "Indexed");
    y_int(y, "completions", k->n);
    y_int(y, "parallelism", k->n);
    y_int(y, "backoffLimit", 0);
    y_open(y, "template");
    y_open(y, "metadata");
    y_selector_labels(y, k, "labels", "agent");
    y_end(y);
    y_open(y, "spec");
    y_pod_common(y);
    /* one agent a node where the cluster can (a preference, not a rule) */
    y_open(y, "topologySpreadConstraints");
    y_item(y);
    y_int(y, "maxSkew", 1);
    y_str(y, "topologyKey", "kubernetes.io/hostname");
    y_str(y, "whenUnsatisfiable", "ScheduleAnyway");
    y_open(y, "labelSelector");
    y_selector_labels(y, k, "matchLabels", "agent");
    y_end(y);
    y_end(y);
    y_end(y);
    /* c6 agent connects once: its pod waits for the coordinator's port first */
    y_open(y, "initContainers");
    y_item(y);
    y_str(y, "name", "wait-for-coordinator");
    y_container_common(y, k);
    y_open(y, "command");
    y_item_str(y, "c6");
    y_item_str(y, "kube");
    y_item_str(y, "--wait-for");
    y_item_str(y, k->agent_addr);
    y_item_str(y, "--wait-timeout");
    y_item_str(y, timeout);
    y_end(y);
    y_end(y);
    y_end(y);
    y_open(y, "containers");
    y_item(y);
    y_str(y, "name", "agent");
    y_container_common(y, k);
    y_open(y, "command");
    y_item_str(y, "c6");
    y_item_str(y, "agent");
    y_item_str(y, k->agent_addr);
    y_item_str(y, "--token");
    y_item_str(y, "$(" KUBE_TOKEN_ENV ")");
    y_end(y);
    y_token_env(y, k, secret);
    y_resources(y, k);
    y_end(y);
    y_end(y);
    y_end(y); /* template.spec */
    y_end(y); /* template */
    y_end(y); /* spec */
}

/* ---- c6 kube --wait-for ------------------------------------------------- */

/* One TCP connection to host:port within timeout_ms; closed at once (the
 * coordinator drops a connection that says no hello). */
static bool kube_try_connect(const char *host, const char *port, int timeout_ms, char *why, size_t whylen) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai) {
        snprintf(why, whylen, "%s", gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
        return false;
    }
    bool ok = false;
    for (struct addrinfo *ai = res; ai && !ok; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            snprintf(why, whylen, "%s", strerror(errno));
            continue;
        }
        int e = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
        if (e == EINPROGRESS) {
            struct pollfd pf = {fd, POLLOUT, 0};
            int pr = poll(&pf, 1, timeout_ms);
            socklen_t sl = sizeof e;
            if (pr == 0) e = ETIMEDOUT;
            else if (pr < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0) e = errno;
        }
        if (e) snprintf(why, whylen, "%s", strerror(e));
        ok = e == 0;
        close(fd);
    }
    freeaddrinfo(res);
    return ok;
}

static int kube_wait(const kube *k) {
    int64_t secs = KUBE_WAIT_DEFAULT_S;
    if (k->wait_timeout && (strconv_parse_i64(k->wait_timeout, &secs) || secs < 1 || secs > 86400)) {
        kube_flag_error("wait-timeout", k->wait_timeout, "want seconds, 1 to 86400");
        return KUBE_EXIT_FLAGS;
    }
    char host[256];
    const char *colon = strrchr(k->wait_for, ':');
    size_t hl = colon ? (size_t)(colon - k->wait_for) : 0;
    if (hl >= 2 && k->wait_for[0] == '[' && k->wait_for[hl - 1] == ']') { /* [v6]:port */
        memcpy(host, k->wait_for + 1, hl - 2);
        host[hl - 2] = 0;
    } else if (hl && hl < sizeof host) {
        memcpy(host, k->wait_for, hl);
        host[hl] = 0;
    } else {
        hl = 0;
    }
    int64_t port;
    if (!hl || strconv_parse_i64(colon + 1, &port) || port < 1 || port > 65535) {
        kube_flag_error("wait-for", k->wait_for, "want HOST:PORT, the port from 1 to 65535");
        return KUBE_EXIT_FLAGS;
    }
    int64_t start = clock_now_us(), deadline = start + secs * 1000000;
    char why[256] = "";
    log_printf(LOG_INFO, "waiting for %s to accept connections (up to %lld s)", k->wait_for, (long long)secs);
    for (;;) {
        int64_t left_ms = (deadline - clock_now_us()) / 1000;
        if (kube_try_connect(host, colon + 1, left_ms < 2000 ? (int)(left_ms > 0 ? left_ms : 1) : 2000, why,
                             sizeof why)) {
            log_printf(LOG_INFO, "%s accepts connections (after %.1f s)", k->wait_for,
                       (double)(clock_now_us() - start) / 1e6);
            return 0;
        }
        int64_t now = clock_now_us();
        if (now >= deadline) break;
        int64_t nap = deadline - now < 1000000 ? deadline - now : 1000000;
        usleep((useconds_t)nap);
    }
    log_printf(LOG_ERROR, "%s did not accept a connection within %lld s (last: %s)", k->wait_for, (long long)secs, why);
    return 1;
}

/* ---- the command ---------------------------------------------------------- */

static void kube_free(kube *k) {
    for (int i = 0; i < k->nowned; i++) free(k->owned[i]);
    free(k->owned);
    free(k->run_argv);
    free(k->coord_argv);
}

int kube_main(int argc, char **argv) {
    static kube kk;
    kube *k = &kk;
    memset(k, 0, sizeof *k);
    int code = kube_split(k, argc, argv) ? KUBE_EXIT_FLAGS : 0;
    if (!code && k->help) {
        kube_usage(stdout);
    } else if (!code && k->wait_for) {
        code = kube_wait(k);
    } else if (!code && kube_check(k)) {
        code = KUBE_EXIT_FLAGS;
    } else if (!code && k->help) {
        kube_usage(stdout);
    } else if (!code) {
        buf archive = {0};
        yaml y = {0};
        code = kube_archive(k, &archive);
        if (!code && !k->archive_file && !k->archive_claim && archive.len > KUBE_CONFIGMAP_MAX) {
            log_printf(LOG_ERROR,
                       "the test's archive is %zu bytes, more than a ConfigMap holds (%d bytes): put it into the "
                       "image or a PersistentVolumeClaim (c6 archive -O file.tar ...) and give its place with "
                       "--archive-file PATH and/or --archive-claim CLAIM",
                       archive.len, KUBE_CONFIGMAP_MAX);
            code = KUBE_EXIT_FLAGS;
        }
        if (!code && kube_token(k)) code = KUBE_EXIT_FLAGS;
        if (!code) {
            kube_emit(&y, k, &archive);
            if (y.d.oom) {
                log_printf(LOG_ERROR, "out of memory");
                code = KUBE_EXIT_FLAGS;
            } else if (fwrite(y.d.b.p, 1, y.d.b.len, stdout) != y.d.b.len || fflush(stdout) != 0) {
                log_printf(LOG_ERROR, "cannot write the manifests: %s", strerror(errno));
                code = KUBE_EXIT_FLAGS;
            } else if (!k->archive_file && !k->archive_claim &&
                       b64_encoded_len(archive.len, B64_STD) + 4096 > KUBE_ANNOTATIONS_MAX) {
                log_printf(LOG_WARN,
                           "the archive's ConfigMap is too large for a client-side `kubectl apply` (its "
                           "last-applied annotation holds %d bytes): use `kubectl create -f` or "
                           "`kubectl apply --server-side -f`",
                           KUBE_ANNOTATIONS_MAX);
            }
        }
        doc_free(&y.d);
        buf_free(&archive);
    }
    kube_free(k);
    return code;
}
