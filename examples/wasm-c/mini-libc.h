/*
 * The few C library pieces the example needs, for a freestanding wasm32 build (no libc).
 * The allocator is not here: malloc, calloc, realloc and free are imported from JavaScript,
 * where heapflow serves them inside this module's own memory.
 */
#ifndef MINI_LIBC_H
#define MINI_LIBC_H

typedef __SIZE_TYPE__ size_t;
#define NULL ((void *)0)

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

IMPORT(malloc) void *malloc(size_t size);
IMPORT(calloc) void *calloc(size_t count, size_t size);
IMPORT(realloc) void *realloc(void *ptr, size_t size);
IMPORT(free) void free(void *ptr);
/* Calls abort() in JS: the program found something it cannot go on with. */
IMPORT(fail) void fail(const char *message, size_t length);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* Writes n in decimal at out (at least 10 bytes); returns the number of digits. */
size_t format_uint(char *out, unsigned n);

#endif
