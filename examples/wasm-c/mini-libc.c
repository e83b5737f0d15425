/* The mini C library of the example. With -mbulk-memory the builtins below become the
 * memory.copy and memory.fill instructions, so memcpy does not call itself. */
#include "mini-libc.h"

void *memcpy(void *dst, const void *src, size_t n) { return __builtin_memcpy(dst, src, n); }

void *memset(void *dst, int c, size_t n) { return __builtin_memset(dst, c, n); }

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n] != '\0') n++;
  return n;
}

size_t format_uint(char *out, unsigned n) {
  char digits[10];
  size_t k = 0;
  do { digits[k++] = (char)('0' + n % 10); n /= 10; } while (n != 0);
  for (size_t i = 0; i < k; i++) out[i] = digits[k - 1 - i];
  return k;
}
