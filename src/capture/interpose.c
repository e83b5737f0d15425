/*
 * heapflow's allocation recorder: an LD_PRELOAD library that interposes malloc, calloc,
 * realloc, reallocarray, free, posix_memalign, aligned_alloc, memalign, valloc and pvalloc,
 * and appends one fixed-size binary record per call to a file (decoded by raw-records.ts).
 *
 * Environment:
 *   HEAPFLOW_CAPTURE_PREFIX   records go to PREFIX.<pid>.<n>.raw (n: 0, 1… per process
 *                             image, so an exec'd program gets a new file under the same pid),
 *                             the process's memory map to the same name with .maps instead.
 *
 * Safety — the hook runs inside the program's allocator calls, so:
 *   - it never allocates: records go into a file mapped with mmap(MAP_SHARED) and grown with
 *     ftruncate; the kernel keeps what was written even if the process execs, crashes or
 *     calls _exit without running destructors (the reader stops at the first zero record);
 *   - calls that arrive while dlsym is still looking up the real functions (dlsym itself may
 *     calloc) are served from a static bootstrap arena and never reach the real allocator;
 *   - a per-thread guard skips recording for calls made from inside the hook (or from the
 *     real allocator calling back through the PLT), so there is no recursion;
 *   - one mutex orders the records of all threads: the record's timestamp is taken under it,
 *     so file order is time order. free is recorded before the block is released and
 *     realloc under the lock, so no other thread can be handed the address in between;
 *   - after fork the child records into a file of its own (pthread_atfork).
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* ------------------------------------------------------------------ the record */

enum op_kind {
  K_MALLOC = 1, K_CALLOC, K_REALLOC, K_FREE, K_POSIX_MEMALIGN, K_ALIGNED_ALLOC,
  K_MEMALIGN, K_VALLOC, K_PVALLOC, K_REALLOCARRAY
};

/* 48 bytes, little-endian on every target this runs on; raw-records.ts reads this layout. */
struct record {
  uint64_t time_ns;   /* CLOCK_MONOTONIC */
  uint64_t result;    /* pointer returned (0 = NULL); for free, 0 */
  uint64_t arg;       /* pointer passed (free, realloc, reallocarray), else 0 */
  uint64_t size;      /* bytes requested (calloc: nmemb * size; UINT64_MAX if that overflows) */
  uint64_t pc;        /* return address of the call */
  uint32_t tid;       /* gettid() */
  uint8_t kind;       /* enum op_kind; 0 marks the end of the records */
  uint8_t align_log2; /* requested alignment as a power of two; 0 = default */
  uint16_t reserved;
};
_Static_assert(sizeof(struct record) == 48, "raw-records.ts reads 48-byte records");

/* ------------------------------------------------------------------ real functions, bootstrap arena */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

/* Serves allocations made before the real functions are known (dlsym's own). Never freed. */
static _Alignas(64) unsigned char bootstrap_arena[64 * 1024];
static size_t bootstrap_used;
static int resolving;

static int in_bootstrap(const void *p) {
  return (const unsigned char *)p >= bootstrap_arena && (const unsigned char *)p < bootstrap_arena + sizeof bootstrap_arena;
}

static void *bootstrap_alloc(size_t size, size_t align) {
  if (align < 16) align = 16;
  size_t start = (__atomic_load_n(&bootstrap_used, __ATOMIC_RELAXED) + align - 1) & ~(align - 1);
  if (start + size > sizeof bootstrap_arena) return NULL;
  __atomic_store_n(&bootstrap_used, start + size, __ATOMIC_RELAXED);
  return bootstrap_arena + start; /* zeroed: static storage, never reused */
}

static void resolve(void) {
  if (real_free != NULL) return;
  resolving = 1;
  real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
  real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
  real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
  real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
  real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
  real_valloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "valloc");
  real_pvalloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "pvalloc");
  real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
  resolving = 0;
}

/* ------------------------------------------------------------------ the record file */

#define CHUNK_RECORDS (1u << 16) /* the file grows by this many records at a time (3 MiB) */
#define PATH_MAX_LEN 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int fd = -1;               /* -1: not recording (no prefix, or the file failed) */
static struct record *window;     /* mapping of records [window_first, window_first + CHUNK_RECORDS) */
static uint64_t window_first;
static uint64_t next_record;      /* records written so far */
static dev_t file_dev;             /* identity of the record file, checked before fd is used again: */
static ino_t file_ino;             /* a program that closes every descriptor may reuse the number */
static char path_prefix[PATH_MAX_LEN];
static char raw_path[PATH_MAX_LEN];
static TLS int in_hook;
static TLS uint32_t cached_tid;

/* Appends text to buf at *at, bounded; no stdio (it may allocate). */
static void put_text(char *buf, size_t *at, const char *text) {
  while (*text != '\0' && *at + 1 < PATH_MAX_LEN) buf[(*at)++] = *text++;
  buf[*at] = '\0';
}

static void put_number(char *buf, size_t *at, unsigned long n) {
  char digits[24];
  int k = 0;
  do { digits[k++] = (char)('0' + n % 10); n /= 10; } while (n != 0);
  while (k > 0 && *at + 1 < PATH_MAX_LEN) buf[(*at)++] = digits[--k];
  buf[*at] = '\0';
}

/* Writes /proc/self/maps to PREFIX.<pid>.<n>.maps so call sites can be resolved afterwards. */
static void save_maps(void) {
  if (fd < 0) return;
  char maps_path[PATH_MAX_LEN];
  size_t n = strlen(raw_path);
  if (n < 4) return;
  memcpy(maps_path, raw_path, n - 4);
  memcpy(maps_path + n - 4, ".maps", 6);
  int in = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (in < 0) return;
  int out = open(maps_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out >= 0) {
    char buf[8192];
    ssize_t got;
    while ((got = read(in, buf, sizeof buf)) > 0) {
      if (write(out, buf, (size_t)got) != got) break;
    }
    close(out);
  }
  close(in);
}

/* Maps the chunk holding record `index`, growing the file; on failure recording stops. */
static int map_window(uint64_t index) {
  if (window != NULL) munmap(window, CHUNK_RECORDS * sizeof(struct record));
  window = NULL;
  window_first = index - index % CHUNK_RECORDS;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_dev != file_dev || st.st_ino != file_ino) {
    fd = -1; /* not our file any more: stop recording, never touch it */
    return 0;
  }
  off_t end = (off_t)((window_first + CHUNK_RECORDS) * sizeof(struct record));
  if (ftruncate(fd, end) != 0) goto fail;
  void *m = mmap(NULL, CHUNK_RECORDS * sizeof(struct record), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                 (off_t)(window_first * sizeof(struct record)));
  if (m == MAP_FAILED) goto fail;
  window = (struct record *)m;
  return 1;
fail:
  close(fd);
  fd = -1;
  return 0;
}

/* Opens a fresh PREFIX.<pid>.<n>.raw (O_EXCL: an exec'd image under the same pid takes the next n). */
static void open_record_file(void) {
  fd = -1;
  window = NULL;
  next_record = 0;
  if (path_prefix[0] == '\0') return;
  for (unsigned n = 0; n < 1000; n++) {
    size_t at = 0;
    raw_path[0] = '\0';
    put_text(raw_path, &at, path_prefix);
    put_text(raw_path, &at, ".");
    put_number(raw_path, &at, (unsigned long)getpid());
    put_text(raw_path, &at, ".");
    put_number(raw_path, &at, n);
    put_text(raw_path, &at, ".raw");
    fd = open(raw_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST) break;
  }
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0) {
    file_dev = st.st_dev;
    file_ino = st.st_ino;
    if (map_window(0)) save_maps();
  } else if (fd >= 0) {
    close(fd);
    fd = -1;
  }
}

static uint32_t current_tid(void) {
  if (cached_tid == 0) cached_tid = (uint32_t)syscall(SYS_gettid);
  return cached_tid;
}

static uint8_t log2_ceil(size_t align) {
  uint8_t log2 = 0;
  while (log2 < 63 && ((size_t)1 << log2) < align) log2++;
  return align <= 1 ? 0 : log2;
}

/* Appends one record; the caller holds `lock`. */
static void record_locked(uint8_t kind, uint64_t result, uint64_t arg, uint64_t size, size_t align, void *pc) {
  struct timespec now;
  if (fd < 0 || (next_record - window_first >= CHUNK_RECORDS && !map_window(next_record))) return;
  clock_gettime(CLOCK_MONOTONIC, &now);
  struct record *r = &window[next_record - window_first];
  r->time_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
  r->result = result;
  r->arg = arg;
  r->size = size;
  r->pc = (uint64_t)(uintptr_t)pc;
  r->tid = current_tid();
  r->align_log2 = log2_ceil(align);
  r->reserved = 0;
  __atomic_store_n(&r->kind, kind, __ATOMIC_RELEASE); /* last: a nonzero kind means a whole record */
  next_record++;
}

static void record(uint8_t kind, uint64_t result, uint64_t arg, uint64_t size, size_t align, void *pc) {
  pthread_mutex_lock(&lock);
  record_locked(kind, result, arg, size, align, pc);
  pthread_mutex_unlock(&lock);
}

static void before_fork(void) { pthread_mutex_lock(&lock); }
static void after_fork_parent(void) { pthread_mutex_unlock(&lock); }
static void after_fork_child(void) {
  cached_tid = 0; /* the forking thread is the child's only thread, with a new id */
  /* The parent's mapping stays the parent's: the child records into its own file. */
  struct stat st;
  if (window != NULL) munmap(window, CHUNK_RECORDS * sizeof(struct record));
  if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == file_dev && st.st_ino == file_ino) close(fd);
  open_record_file();
  pthread_mutex_unlock(&lock);
}

__attribute__((constructor)) static void start(void) {
  in_hook++;
  resolve();
  const char *prefix = getenv("HEAPFLOW_CAPTURE_PREFIX");
  if (prefix != NULL && strlen(prefix) + 32 < PATH_MAX_LEN) {
    memcpy(path_prefix, prefix, strlen(prefix) + 1);
    open_record_file();
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
  }
  in_hook--;
}

__attribute__((destructor)) static void finish(void) {
  in_hook++;
  pthread_mutex_lock(&lock);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_dev != file_dev || st.st_ino != file_ino)) fd = -1;
  if (fd >= 0) {
    save_maps(); /* again: libraries opened with dlopen since the start are in it now */
    munmap(window, CHUNK_RECORDS * sizeof(struct record));
    window = NULL;
    if (ftruncate(fd, (off_t)(next_record * sizeof(struct record))) != 0) { /* the zero tail stays; readers stop at it */ }
    close(fd);
    fd = -1;
  }
  pthread_mutex_unlock(&lock);
  in_hook--;
}

/* ------------------------------------------------------------------ the interposed functions */

#define CALLER __builtin_return_address(0)

/* 0 while the real functions are being looked up (dlsym's own calls): use the bootstrap arena. */
static int ready(void) {
  if (__builtin_expect(real_free != NULL, 1)) return 1;
  if (resolving) return 0;
  resolve();
  return real_free != NULL;
}

/* True when this call must go straight to the real function, unrecorded. */
static int passthrough(void) {
  return in_hook != 0 || fd < 0;
}

EXPORT void *malloc(size_t size) {
  if (!ready()) return bootstrap_alloc(size, 16);
  if (passthrough()) return real_malloc(size);
  in_hook++;
  void *p = real_malloc(size);
  record(K_MALLOC, (uintptr_t)p, 0, size, 0, CALLER);
  in_hook--;
  return p;
}

EXPORT void *calloc(size_t nmemb, size_t size) {
  if (!ready()) {
    size_t total;
    return __builtin_mul_overflow(nmemb, size, &total) ? NULL : bootstrap_alloc(total, 16);
  }
  if (passthrough()) return real_calloc(nmemb, size);
  in_hook++;
  void *p = real_calloc(nmemb, size);
  size_t total;
  record(K_CALLOC, (uintptr_t)p, 0, __builtin_mul_overflow(nmemb, size, &total) ? UINT64_MAX : total, 0, CALLER);
  in_hook--;
  return p;
}

EXPORT void free(void *p) {
  if (p == NULL || in_bootstrap(p) || !ready()) return; /* not ready: dlsym's block, leaked */
  if (passthrough()) { real_free(p); return; }
  in_hook++;
  record(K_FREE, 0, (uintptr_t)p, 0, 0, CALLER); /* before the release: nobody else can own p yet */
  real_free(p);
  in_hook--;
}

/* realloc of a bootstrap block: copy out of the arena (its size is unknown; the arena bounds it). */
static void *realloc_from_bootstrap(void *p, size_t size) {
  void *q = real_malloc(size);
  size_t room = (size_t)(bootstrap_arena + sizeof bootstrap_arena - (unsigned char *)p);
  if (q != NULL) memcpy(q, p, size < room ? size : room);
  return q;
}

static void *realloc_recorded(uint8_t kind, void *p, size_t size, void *pc) {
  if (in_bootstrap(p)) return realloc_from_bootstrap(p, size);
  in_hook++;
  /* Under the lock: between the release of p inside realloc and the record, no other thread
   * may be handed p and record it first. */
  pthread_mutex_lock(&lock);
  void *q = real_realloc(p, size);
  record_locked(kind, (uintptr_t)q, (uintptr_t)p, size, 0, pc);
  pthread_mutex_unlock(&lock);
  in_hook--;
  return q;
}

EXPORT void *realloc(void *p, size_t size) {
  if (!ready()) return bootstrap_alloc(size, 16);
  if (passthrough()) return in_bootstrap(p) ? realloc_from_bootstrap(p, size) : real_realloc(p, size);
  return realloc_recorded(K_REALLOC, p, size, CALLER);
}

EXPORT void *reallocarray(void *p, size_t nmemb, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(nmemb, size, &total)) { errno = ENOMEM; return NULL; }
  if (!ready()) return bootstrap_alloc(total, 16);
  if (passthrough()) return in_bootstrap(p) ? realloc_from_bootstrap(p, total) : real_realloc(p, total);
  return realloc_recorded(K_REALLOCARRAY, p, total, CALLER);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size) {
  if (!ready()) {
    *out = bootstrap_alloc(size, align);
    return *out == NULL ? ENOMEM : 0;
  }
  if (passthrough()) return real_posix_memalign(out, align, size);
  in_hook++;
  int status = real_posix_memalign(out, align, size);
  record(K_POSIX_MEMALIGN, status == 0 ? (uintptr_t)*out : 0, 0, size, align, CALLER);
  in_hook--;
  return status;
}

#define ALIGNED(name, kind, real)                                 \
  EXPORT void *name(size_t align, size_t size) {                      \
    if (!ready()) return bootstrap_alloc(size, align);            \
    if (passthrough()) return real(align, size);                      \
    in_hook++;                                                        \
    void *p = real(align, size);                                      \
    record(kind, (uintptr_t)p, 0, size, align, CALLER);               \
    in_hook--;                                                        \
    return p;                                                         \
  }
ALIGNED(aligned_alloc, K_ALIGNED_ALLOC, real_aligned_alloc)
ALIGNED(memalign, K_MEMALIGN, real_memalign)

#define PAGE_ALIGNED(name, kind, real)                                 \
  EXPORT void *name(size_t size) {                                    \
    size_t page = 4096;                                               \
    if (!ready()) return bootstrap_alloc(size, page);             \
    if (passthrough()) return real(size);                             \
    in_hook++;                                                        \
    page = (size_t)sysconf(_SC_PAGESIZE);                             \
    void *p = real(size);                                             \
    record(kind, (uintptr_t)p, 0, size, page, CALLER);                \
    in_hook--;                                                        \
    return p;                                                         \
  }
PAGE_ALIGNED(valloc, K_VALLOC, real_valloc)
PAGE_ALIGNED(pvalloc, K_PVALLOC, real_pvalloc)
