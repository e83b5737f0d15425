/*
 * replay.c — native column of `npm run bench`: replays a CS:APP malloc-lab .rep
 * trace against the process's malloc/free/realloc (glibc by default; jemalloc /
 * mimalloc through LD_PRELOAD). Adapted from the company bench harness
 * (shared/bench-harness/native/replay.c); same rules as the JS replay in
 * bench/replay.ts: touch (write) the first and last byte of every block
 * returned by malloc/realloc; size 0 is clamped to 1; `r` on an id with no
 * block = malloc; blocks still live at the end of a replay are freed untimed.
 *
 * bench/run.ts builds it at bench time (gcc -O2 -o bench/native/replay bench/native/replay.c)
 * and runs it once per round and trace (-w 1 -r 1), interleaved with the JS rounds.
 *
 *   ./replay [-n name] [-w warmups] [-r runs] [-s] [-t timeout_s] [-m min_ops] trace.rep
 *
 * The trace is parsed (streaming, small buffer) into arrays obtained with
 * mmap, so neither the trace nor the op arrays live in the allocator under
 * test. Warm-up replays also verify the tags when a block is freed/realloc'ed
 * (detects overlapping blocks / lost data).
 *
 * -s (steady): time only the window from the first free to the last
 *    alloc/realloc; ramp-up and teardown run untimed (the scaling series).
 * -t: abort a timed replay after this many seconds (reported as timeout).
 * -m MIN_OPS: one sample replays the trace k = ceil(MIN_OPS / timed ops)
 *    times (leftovers freed untimed in between), so short traces give a
 *    measurable sample (default 100000; same rule as the JS replay).
 *
 * Output: one JSON line: ns/op per timed run and their median, peak RSS
 * (getrusage ru_maxrss), RSS before the first replay and the delta, the
 * malloc library actually mapped, and failure info. Exit status 0 ok,
 * 3 allocation failure, 4 corruption detected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

enum { K_ALLOC = 0, K_FREE = 1, K_REALLOC = 2 };

static uint8_t *kind;
static int32_t *ids;
static uint32_t *sizes;
static size_t nops, nids;
static void **ptrs;
static uint32_t *cur;
static int balanced; /* every block is freed by the end of the trace */

static void *xmmap(size_t bytes) {
    void *p = mmap(NULL, bytes ? bytes : 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(1); }
    return p;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long rss_kb_now(void) {
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) { if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0; fclose(f); }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static long maxrss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Streaming parser over a fixed 64 KiB buffer (read(2), no stdio buffers). */
static void load(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno)); exit(1); }
    off_t fsz = lseek(fd, 0, SEEK_END);
    lseek(fd, 0, SEEK_SET);
    size_t cap = (size_t)fsz / 4 + 16; /* every op line is >= 4 bytes */
    kind = xmmap(cap);
    ids = xmmap(cap * sizeof *ids);
    sizes = xmmap(cap * sizeof *sizes);
    static char buf[1 << 16];
    char line[256];
    size_t ll = 0;
    int saw_op = 0;
    long lineno = 0;
    ssize_t got;
    int eof = 0;
    while (!eof) {
        got = read(fd, buf, sizeof buf);
        if (got < 0) { perror("read"); exit(1); }
        if (got == 0) { eof = 1; buf[0] = '\n'; got = 1; }
        for (ssize_t i = 0; i < got; i++) {
            char c = buf[i];
            if (c != '\n') { if (ll < sizeof line - 1) line[ll++] = c; continue; }
            line[ll] = 0;
            ll = 0;
            lineno++;
            char *s = line;
            while (*s == ' ' || *s == '\t' || *s == '\r') s++;
            if (!*s || *s == '#') continue;
            if (!saw_op && *s >= '0' && *s <= '9') continue; /* header line */
            int k;
            if (*s == 'a') k = K_ALLOC; else if (*s == 'f') k = K_FREE; else if (*s == 'r') k = K_REALLOC;
            else { fprintf(stderr, "%s:%ld: unknown op '%c'\n", path, lineno, *s); exit(1); }
            saw_op = 1;
            s++;
            char *e;
            long id = strtol(s, &e, 10);
            if (e == s || id < 0) { fprintf(stderr, "%s:%ld: bad id\n", path, lineno); exit(1); }
            unsigned long sz = 0;
            if (k != K_FREE) {
                s = e;
                sz = strtoul(s, &e, 10);
                if (e == s) { fprintf(stderr, "%s:%ld: bad size\n", path, lineno); exit(1); }
                if (sz == 0) sz = 1;
            }
            if (nops >= cap) { fprintf(stderr, "too many ops\n"); exit(1); }
            kind[nops] = (uint8_t)k;
            ids[nops] = (int32_t)id;
            sizes[nops] = (uint32_t)sz;
            if ((size_t)id + 1 > nids) nids = (size_t)id + 1;
            nops++;
        }
    }
    close(fd);
    ptrs = xmmap(nids * sizeof *ptrs);
    cur = xmmap(nids * sizeof *cur);
    /* touch the harness's own tables now so they are in the baseline RSS */
    memset(ptrs, 0, nids * sizeof *ptrs);
    memset(cur, 0, nids * sizeof *cur);
    /* balanced? (cur doubles as a live flag here; cleared again below) */
    long live = 0;
    for (size_t i = 0; i < nops; i++) {
        int32_t id = ids[i];
        if (kind[i] == K_FREE) { if (cur[id]) { cur[id] = 0; live--; } }
        else if (!cur[id]) { cur[id] = 1; live++; }
    }
    balanced = live == 0;
    memset(cur, 0, nids * sizeof *cur);
}

static size_t fail_op = (size_t)-1;
static const char *fail_what = NULL;
static int timed_out = 0;

#define TAG(id) ((unsigned char)(((id) & 0x7f) | 0x80))

/* Replays ops [from, to). Returns number of the op reached. */
static size_t replay(size_t from, size_t to, int check, double deadline) {
    size_t i;
    for (i = from; i < to; i++) {
        int32_t id = ids[i];
        int k = kind[i];
        if (k == K_FREE) {
            unsigned char *p = ptrs[id];
            if (!p) continue;
            if (check && (p[0] != TAG(id) || p[cur[id] - 1] != TAG(id))) {
                fail_op = i; fail_what = "corrupt"; return i;
            }
            free(p);
            ptrs[id] = NULL;
        } else {
            size_t n = sizes[i];
            unsigned char *p;
            if (k == K_ALLOC) p = malloc(n);
            else {
                unsigned char *old = ptrs[id];
                if (check && old && (old[0] != TAG(id) || old[cur[id] - 1] != TAG(id))) {
                    fail_op = i; fail_what = "corrupt"; return i;
                }
                p = realloc(old, n);
                if (check && p && old && p[0] != TAG(id)) { fail_op = i; fail_what = "realloc lost data"; return i; }
            }
            if (!p) { fail_op = i; fail_what = k == K_ALLOC ? "malloc returned NULL" : "realloc returned NULL"; return i; }
            ((volatile unsigned char *)p)[0] = TAG(id);
            ((volatile unsigned char *)p)[n - 1] = TAG(id);
            ptrs[id] = p;
            if (check) cur[id] = (uint32_t)n;
        }
        if ((i & 1023) == 0 && deadline > 0 && now_ns() > deadline) { timed_out = 1; return i; }
    }
    return i;
}

static void free_all(void) {
    for (size_t i = 0; i < nids; i++) if (ptrs[i]) { free(ptrs[i]); ptrs[i] = NULL; }
}

/* Which malloc library is mapped (verifies that LD_PRELOAD took effect). */
static void malloc_lib(char *out, size_t cap) {
    snprintf(out, cap, "libc");
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *slash = strrchr(line, '/');
        if (slash && strstr(slash, "malloc")) {
            slash[strcspn(slash, "\n")] = 0;
            snprintf(out, cap, "%s", slash + 1);
            break;
        }
    }
    fclose(f);
}

static int cmpd(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const char *name = "system";
    int warm = 1, runs = 5, steady = 0;
    long min_ops = 100000;
    double timeout_s = 0;
    int opt;
    while ((opt = getopt(argc, argv, "n:w:r:st:m:")) != -1) {
        switch (opt) {
        case 'n': name = optarg; break;
        case 'w': warm = atoi(optarg); break;
        case 'r': runs = atoi(optarg); break;
        case 's': steady = 1; break;
        case 't': timeout_s = atof(optarg); break;
        case 'm': min_ops = atol(optarg); break;
        default:
            fprintf(stderr, "usage: %s [-n name] [-w warmups] [-r runs] [-s] [-t timeout_s] [-m min_ops] trace.rep\n", argv[0]);
            return 2;
        }
    }
    if (optind >= argc) { fprintf(stderr, "missing trace\n"); return 2; }
    const char *path = argv[optind];
    load(path);

    size_t w0 = 0, w1 = nops;
    if (steady) {
        while (w0 < nops && kind[w0] != K_FREE) w0++;
        while (w1 > w0 && kind[w1 - 1] == K_FREE) w1--;
        if (w1 <= w0) { w0 = 0; w1 = nops; }
    }

    long rss0 = rss_kb_now();
    long maxrss0 = maxrss_kb();
    int rc = 0;
    double *ns = calloc(runs > 0 ? runs : 1, sizeof *ns); /* tiny, before any replay */
    size_t timed_ops_min = w1 - w0;
    int nsamp = 0;
    size_t nwin = w1 - w0 ? w1 - w0 : 1;
    long k = (long)((min_ops + nwin - 1) / nwin);
    if (k < 1) k = 1;
    for (int r = 0; r < warm + runs && !fail_what && !timed_out; r++) {
        int check = r < warm;
        double dl = timeout_s > 0 && !check ? now_ns() + timeout_s * 1e9 : 0;
        double tsum = 0;
        size_t nt = 0;
        if (!steady && balanced) {
            /* whole trace timed, nothing left live at its end: the k repetitions run back to
               back inside one timed interval (same rule as bench/replay.ts) */
            double t0 = now_ns();
            for (long rep = 0; rep < k; rep++) {
                size_t done = replay(0, nops, check, dl);
                nt += done;
                if (fail_what || timed_out) break;
            }
            tsum = now_ns() - t0;
        } else for (long rep = 0; rep < k; rep++) {
            replay(0, w0, check, 0);
            if (fail_what) break;
            double t0 = now_ns();
            size_t done = replay(w0, w1, check, dl);
            double t1 = now_ns();
            tsum += t1 - t0;
            nt += done - w0;
            if (fail_what || timed_out) break;
            replay(w1, nops, check, 0);
            if (fail_what) break;
            free_all();
        }
        if (fail_what) break;
        if (!check) {
            if (nt == 0) nt = 1;
            ns[nsamp++] = tsum / nt;
            if (nt < timed_ops_min) timed_ops_min = nt;
        }
    }
    long maxrss = maxrss_kb();
    if (fail_what) rc = strcmp(fail_what, "corrupt") == 0 || strcmp(fail_what, "realloc lost data") == 0 ? 4 : 3;

    double med = 0;
    if (nsamp) {
        double *s = xmmap(nsamp * sizeof *s);
        memcpy(s, ns, nsamp * sizeof *s);
        qsort(s, nsamp, sizeof *s, cmpd);
        med = nsamp & 1 ? s[nsamp / 2] : (s[nsamp / 2 - 1] + s[nsamp / 2]) / 2;
    }
    char lib[128];
    malloc_lib(lib, sizeof lib);
    printf("{\"alloc\":\"%s\",\"lib\":\"%s\",\"trace\":\"%s\",\"nOps\":%zu,\"timedWindow\":[%zu,%zu],\"steady\":%s,"
           "\"nsPerOp\":%.2f,\"samples\":[",
           name, lib, path, nops, w0, w1, steady ? "true" : "false", nsamp ? med : -1.0);
    for (int i = 0; i < nsamp; i++) printf("%s%.2f", i ? "," : "", ns[i]);
    printf("],\"runs\":%d,\"timeout\":%s,\"timedOpsDone\":%zu,\"rss0KB\":%ld,\"maxrss0KB\":%ld,"
           "\"peakRssKB\":%ld,\"rssDeltaKB\":%ld,\"repsPerSample\":%ld,\"fail\":",
           nsamp, timed_out ? "true" : "false", timed_ops_min, rss0, maxrss0, maxrss, maxrss > rss0 ? maxrss - rss0 : 0, k);
    if (fail_what) printf("\"%s\",\"failOp\":%zu}\n", fail_what, fail_op);
    else printf("null,\"failOp\":-1}\n");
    return rc;
}
