/*
 * A small allocator inside the module, for bench.mjs only: the same program with no
 * JavaScript call per allocation, to measure what crossing the boundary to heapflow costs.
 * Built instead of the imports with -DOWN_MALLOC (build.mjs { ownMalloc: true }).
 *
 * Segregated free lists, no splitting or merging: a block's class is its size rounded up to
 * 16 bytes (up to 1 KiB) or to a power of two (above); a freed block goes on its class's
 * list and serves the next request of that class; new blocks are cut from the top, which
 * grows the memory a page at a time. Every block has an 8-byte header holding its class, so
 * payloads are 8-aligned like heapflow's.
 */
#include "mini-libc.h"

#ifdef OWN_MALLOC

#define SMALL_CLASSES 64   /* 16, 32, ..., 1024 bytes */
#define CLASSES (SMALL_CLASSES + 22)
#define PAGE 65536u

extern unsigned char __heap_base;

static void *free_list[CLASSES];
static unsigned long top; /* 0 until the first request */

static unsigned class_of(size_t size) {
  if (size <= 1024) return size == 0 ? 0 : (unsigned)((size - 1) >> 4);
  return SMALL_CLASSES + (unsigned)(32 - __builtin_clz((unsigned)(size - 1))) - 11;
}

static size_t class_size(unsigned c) {
  return c < SMALL_CLASSES ? (size_t)(c + 1) << 4 : (size_t)1 << (c - SMALL_CLASSES + 11);
}

void *mini_malloc(size_t size) {
  if (size > ((size_t)1 << 31)) return NULL;
  unsigned c = class_of(size);
  void *p = free_list[c];
  if (p != NULL) {
    free_list[c] = *(void **)p;
    return p;
  }
  if (top == 0) top = ((unsigned long)&__heap_base + 7) & ~7ul;
  unsigned long end = top + 8 + class_size(c);
  unsigned long have = __builtin_wasm_memory_size(0) * PAGE;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + PAGE - 1) / PAGE) == (size_t)-1) return NULL;
  *(unsigned *)top = c;
  p = (void *)(top + 8);
  top = end;
  return p;
}

void mini_free(void *p) {
  if (p == NULL) return;
  unsigned c = *(unsigned *)((char *)p - 8);
  *(void **)p = free_list[c];
  free_list[c] = p;
}

void *mini_calloc(size_t count, size_t size) {
  if (size != 0 && count > ((size_t)1 << 31) / size) return NULL;
  void *p = mini_malloc(count * size);
  if (p != NULL) memset(p, 0, count * size);
  return p;
}

void *mini_realloc(void *p, size_t size) {
  if (p == NULL) return mini_malloc(size);
  size_t have = class_size(*(unsigned *)((char *)p - 8));
  if (size <= have) return p;
  void *q = mini_malloc(size);
  if (q != NULL) {
    memcpy(q, p, have);
    mini_free(p);
  }
  return q;
}

#endif
