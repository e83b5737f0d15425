/*
 * bench/threads/native.c: the workloads of bench/threads/worker.ts with the C
 * library's malloc (glibc: per-thread arenas + tcache) and pthreads, for the
 * native column of npm run bench:threads. Built by run.ts with gcc -O2 -pthread.
 *
 *   threads-native larson|xmalloc THREADS SECONDS WARMUP_SECONDS
 *   prints {"opsPerSec": N}
 *
 * Same parameters as worker.ts: larson keeps 2000 blocks of 8..1000 bytes per
 * thread and replaces a random one per step, 10% of the replaced blocks going
 * through a shared exchange array (with 2+ threads); xmalloc produces batches of
 * 64 blocks of 8..512 bytes into a ring to the next thread and frees what the
 * previous thread produced. New blocks are touched at both ends.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#define SLOTS 2000
#define EXCHANGE_SLOTS 1024
#define RING_SLOTS 4096
#define BATCH 64

typedef struct {
  _Atomic unsigned head;
  _Atomic unsigned tail;
  void *slots[RING_SLOTS];
} ring_t;

static int nthreads;
static double run_s, warm_s;
static _Atomic(void *) exchange[EXCHANGE_SLOTS];
static ring_t *rings;
static atomic_int go;

typedef struct { int index; double ops_per_sec; } arg_t;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline uint32_t xorshift(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13; x ^= x >> 17; x ^= x << 5;
  return *s = x;
}

static void *larson(void *p) {
  arg_t *a = p;
  uint32_t s = (uint32_t)(17 + a->index) * 2654435761u;
  if (!s) s = 1;
  char **slots = malloc(sizeof(char *) * SLOTS);
  for (int k = 0; k < SLOTS; k++) { slots[k] = malloc(8 + xorshift(&s) % 993); slots[k][0] = 1; }
  while (!atomic_load(&go)) {}
  double start = now_s(), from = start + warm_s, end = from + run_s, t0 = 0;
  long ops = 0, counted = 0;
  for (;;) {
    for (int i = 0; i < 512; i++) {
      uint32_t r = xorshift(&s);
      uint32_t k = r % SLOTS;
      char *b = slots[k];
      if (nthreads > 1 && (r >> 24) < 26) {
        void *old = atomic_exchange(&exchange[(r >> 11) % EXCHANGE_SLOTS], b);
        if (old) free(old);
      } else {
        free(b);
      }
      uint32_t n = 8 + xorshift(&s) % 993;
      char *q = malloc(n);
      q[0] = 1; q[n - 1] = 2;
      slots[k] = q;
      ops += 2;
    }
    double t = now_s();
    if (t0 == 0 && t >= from) { t0 = t; counted = ops; }
    if (t >= end) { a->ops_per_sec = (ops - counted) / (t - t0); return NULL; }
  }
}

static void *xmalloc_thread(void *p) {
  arg_t *a = p;
  uint32_t s = (uint32_t)(17 + a->index) * 2654435761u;
  if (!s) s = 1;
  ring_t *out = &rings[a->index];
  ring_t *in = &rings[(a->index + nthreads - 1) % nthreads];
  while (!atomic_load(&go)) {}
  double start = now_s(), from = start + warm_s, end = from + run_s, t0 = 0;
  long ops = 0, counted = 0;
  for (;;) {
    for (int round = 0; round < 8; round++) {
      unsigned tail = atomic_load_explicit(&out->tail, memory_order_relaxed);
      unsigned head = atomic_load_explicit(&out->head, memory_order_acquire);
      for (int j = 0; j < BATCH; j++) {
        uint32_t n = 8 + xorshift(&s) % 505;
        char *q = malloc(n);
        q[0] = 1; q[n - 1] = 2;
        ops++;
        if (tail - head < RING_SLOTS) { out->slots[tail % RING_SLOTS] = q; tail++; }
        else { free(q); ops++; }
      }
      atomic_store_explicit(&out->tail, tail, memory_order_release);
      unsigned h = atomic_load_explicit(&in->head, memory_order_relaxed);
      unsigned t = atomic_load_explicit(&in->tail, memory_order_acquire);
      while (h != t) { free(in->slots[h % RING_SLOTS]); h++; ops++; }
      atomic_store_explicit(&in->head, h, memory_order_release);
    }
    double tn = now_s();
    if (t0 == 0 && tn >= from) { t0 = tn; counted = ops; }
    if (tn >= end) { a->ops_per_sec = (ops - counted) / (tn - t0); return NULL; }
  }
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s larson|xmalloc THREADS SECONDS WARMUP_SECONDS\n", argv[0]); return 2; }
  int is_larson = strcmp(argv[1], "larson") == 0;
  nthreads = atoi(argv[2]);
  run_s = atof(argv[3]);
  warm_s = atof(argv[4]);
  if (nthreads < 1 || run_s <= 0) return 2;
  rings = calloc(nthreads, sizeof(ring_t));
  pthread_t *th = malloc(sizeof(pthread_t) * nthreads);
  arg_t *args = calloc(nthreads, sizeof(arg_t));
  for (int i = 0; i < nthreads; i++) {
    args[i].index = i;
    pthread_create(&th[i], NULL, is_larson ? larson : xmalloc_thread, &args[i]);
  }
  atomic_store(&go, 1);
  double total = 0;
  for (int i = 0; i < nthreads; i++) { pthread_join(th[i], NULL); total += args[i].ops_per_sec; }
  printf("{\"opsPerSec\": %.0f}\n", total);
  return 0;
}
