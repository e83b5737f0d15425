/*
 * The few C library pieces the example needs, for a freestanding wasm32 build (no libc).
 * The allocator is not here: malloc, calloc, realloc and free are imported from JavaScript,
 * where heapflow serves them inside this module's own memory (built with -DOWN_MALLOC, for
 * the benchmark, they are mini-alloc.c's instead).
 *
 * Each call also passes its call site: a pointer to a constant { function, file, line }
 * made where the call is written (as a debugging malloc takes __FILE__ and __LINE__), so
 * that a recording of the program's allocations names the C code that made each block.
 * The JavaScript side may ignore it.
 */
#ifndef MINI_LIBC_H
#define MINI_LIBC_H

typedef __SIZE_TYPE__ size_t;
#define NULL ((void *)0)

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

/* Layout read by JavaScript (record.mjs): three 32-bit words. */
struct call_site {
  const char *function; /* 0: NUL-terminated */
  const char *file;     /* 4: NUL-terminated, without its folder */
  unsigned line;        /* 8 */
};

#ifdef OWN_MALLOC
/* The module's own allocator (mini-alloc.c), for the benchmark: no call leaves the module. */
void *mini_malloc(size_t size);
void *mini_calloc(size_t count, size_t size);
void *mini_realloc(void *ptr, size_t size);
void mini_free(void *ptr);
#define malloc(size) mini_malloc(size)
#define calloc(count, size) mini_calloc((count), (size))
#define realloc(ptr, size) mini_realloc((ptr), (size))
#define free(ptr) mini_free(ptr)
#else
IMPORT(malloc) void *malloc_at(size_t size, const struct call_site *site);
IMPORT(calloc) void *calloc_at(size_t count, size_t size, const struct call_site *site);
IMPORT(realloc) void *realloc_at(void *ptr, size_t size, const struct call_site *site);
IMPORT(free) void free_at(void *ptr, const struct call_site *site);

/* The site of the call being written: one constant per call in the source. */
#define CALL_SITE ({ static const struct call_site site_ = { __func__, __FILE_NAME__, __LINE__ }; &site_; })
#define malloc(size) malloc_at((size), CALL_SITE)
#define calloc(count, size) calloc_at((count), (size), CALL_SITE)
#define realloc(ptr, size) realloc_at((ptr), (size), CALL_SITE)
#define free(ptr) free_at((ptr), CALL_SITE)
#endif
/* Calls abort() in JS: the program found something it cannot go on with. */
IMPORT(fail) void fail(const char *message, size_t length);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* Writes n in decimal at out (at least 10 bytes); returns the number of digits. */
size_t format_uint(char *out, unsigned n);

#endif
