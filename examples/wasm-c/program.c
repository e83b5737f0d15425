/*
 * A word-frequency counter, the C side of examples/wasm-c: it generates a text of made-up
 * words (string building: a buffer grown with realloc), counts them in a hash table
 * (chained entries from malloc, the bucket array from calloc, doubled and rehashed as it
 * fills), sorts them with a binary search tree, and writes a report. Every allocation goes
 * to the imported malloc/calloc/realloc/free, which heapflow serves in this module's memory.
 *
 * JavaScript reads `struct table` and its entries directly (run.mjs): their layout is part
 * of the example's interface.
 */
#include "mini-libc.h"

/* ------------------------------------------------------------------ string building */

struct text {
  char *data;
  unsigned length;
  unsigned capacity;
};

static void text_reserve(struct text *t, unsigned more) {
  if (t->length + more <= t->capacity) return;
  unsigned capacity = t->capacity == 0 ? 64 : t->capacity;
  while (capacity < t->length + more) capacity *= 2;
  char *grown = realloc(t->data, capacity);
  if (grown == NULL) fail("out of memory growing a text", 28);
  t->data = grown;
  t->capacity = capacity;
}

static void text_append(struct text *t, const char *s, unsigned n) {
  text_reserve(t, n);
  memcpy(t->data + t->length, s, n);
  t->length += n;
}

static void text_append_uint(struct text *t, unsigned n) {
  char digits[10];
  text_append(t, digits, (unsigned)format_uint(digits, n));
}

/* ------------------------------------------------------------------ the made-up text */

static const char *const SYLLABLES[16] = {
  "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "po", "da", "fi", "gu", "he", "jo", "xu",
};

/* The generator run.mjs repeats in JavaScript to check the counts: a 32-bit LCG. */
static unsigned next_random(unsigned *state) {
  *state = *state * 1103515245u + 12345u;
  return *state >> 16;
}

/* n words of 1 to 3 syllables, separated by single spaces. */
static void make_text(struct text *t, unsigned words, unsigned seed) {
  unsigned state = seed;
  for (unsigned w = 0; w < words; w++) {
    if (w > 0) text_append(t, " ", 1);
    unsigned syllables = 1 + next_random(&state) % 3;
    for (unsigned s = 0; s < syllables; s++) text_append(t, SYLLABLES[next_random(&state) % 16], 2);
  }
}

/* ------------------------------------------------------------------ the hash table */

struct entry {          /* offset: */
  struct entry *next;   /*  0 */
  unsigned count;       /*  4 */
  unsigned length;      /*  8 */
  char word[];          /* 12: length bytes, no terminator */
};

struct table {          /* offset: */
  unsigned buckets;     /*  0: a power of two */
  unsigned size;        /*  4: entries */
  unsigned total;       /*  8: words counted */
  struct entry **slots; /* 12: `buckets` chains */
};

static unsigned hash(const char *s, unsigned n) { /* FNV-1a */
  unsigned h = 2166136261u;
  for (unsigned i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static struct table *table_new(unsigned buckets) {
  struct table *t = calloc(1, sizeof *t);
  if (t == NULL) fail("out of memory for the table", 27);
  t->buckets = buckets;
  t->slots = calloc(buckets, sizeof *t->slots);
  if (t->slots == NULL) fail("out of memory for buckets", 25);
  return t;
}

/* Doubles the bucket array: every entry moves to its chain in the new one. */
static void table_grow(struct table *t) {
  unsigned buckets = t->buckets * 2;
  struct entry **slots = calloc(buckets, sizeof *slots);
  if (slots == NULL) fail("out of memory growing buckets", 29);
  for (unsigned b = 0; b < t->buckets; b++) {
    struct entry *e = t->slots[b];
    while (e != NULL) {
      struct entry *next = e->next;
      unsigned to = hash(e->word, e->length) & (buckets - 1);
      e->next = slots[to];
      slots[to] = e;
      e = next;
    }
  }
  free(t->slots);
  t->slots = slots;
  t->buckets = buckets;
}

static void table_count(struct table *t, const char *word, unsigned length) {
  t->total++;
  struct entry **chain = &t->slots[hash(word, length) & (t->buckets - 1)];
  for (struct entry *e = *chain; e != NULL; e = e->next) {
    if (e->length == length && memcmp(e->word, word, length) == 0) {
      e->count++;
      return;
    }
  }
  struct entry *e = malloc(sizeof *e + length);
  if (e == NULL) fail("out of memory for an entry", 26);
  e->count = 1;
  e->length = length;
  memcpy(e->word, word, length);
  e->next = *chain;
  *chain = e;
  if (++t->size > t->buckets) table_grow(t);
}

static void table_free(struct table *t) {
  for (unsigned b = 0; b < t->buckets; b++) {
    struct entry *e = t->slots[b];
    while (e != NULL) {
      struct entry *next = e->next;
      free(e);
      e = next;
    }
  }
  free(t->slots);
  free(t);
}

/* ------------------------------------------------------------------ the tree: entries by count, then word */

struct node {
  struct node *left, *right;
  const struct entry *entry;
};

/* Negative when a goes first: higher count first, then shorter-prefix, byte order. */
static int before(const struct entry *a, const struct entry *b) {
  if (a->count != b->count) return a->count > b->count ? -1 : 1;
  unsigned n = a->length < b->length ? a->length : b->length;
  int c = memcmp(a->word, b->word, n);
  if (c != 0) return c;
  return a->length < b->length ? -1 : a->length > b->length ? 1 : 0;
}

static struct node *tree_insert(struct node *root, const struct entry *e) {
  struct node *n = malloc(sizeof *n);
  if (n == NULL) fail("out of memory for a tree node", 29);
  n->left = n->right = NULL;
  n->entry = e;
  if (root == NULL) return n;
  struct node *at = root;
  for (;;) {
    struct node **side = before(e, at->entry) < 0 ? &at->left : &at->right;
    if (*side == NULL) { *side = n; return root; }
    at = *side;
  }
}

/* Appends the first `*left` entries in order as " word=count". */
static void tree_report(const struct node *n, struct text *out, unsigned *left) {
  if (n == NULL || *left == 0) return;
  tree_report(n->left, out, left);
  if (*left == 0) return;
  text_append(out, " ", 1);
  text_append(out, n->entry->word, n->entry->length);
  text_append(out, "=", 1);
  text_append_uint(out, n->entry->count);
  (*left)--;
  tree_report(n->right, out, left);
}

static void tree_free(struct node *n) {
  if (n == NULL) return;
  tree_free(n->left);
  tree_free(n->right);
  free(n);
}

/* ------------------------------------------------------------------ the module's interface */

static struct table *words;
static struct text report;

/* Counts `count` made-up words from `seed`; returns the report: "distinct D total T top: w=c ...". */
EXPORT(run) const char *run(unsigned count, unsigned seed, unsigned top) {
  struct text input = { NULL, 0, 0 };
  make_text(&input, count, seed);
  words = table_new(8);
  unsigned start = 0;
  for (unsigned i = 0; i <= input.length; i++) {
    if (i == input.length || input.data[i] == ' ') {
      if (i > start) table_count(words, input.data + start, i - start);
      start = i + 1;
    }
  }
  free(input.data);

  struct node *root = NULL;
  for (unsigned b = 0; b < words->buckets; b++) {
    for (const struct entry *e = words->slots[b]; e != NULL; e = e->next) root = tree_insert(root, e);
  }
  text_append(&report, "distinct ", 9);
  text_append_uint(&report, words->size);
  text_append(&report, " total ", 7);
  text_append_uint(&report, words->total);
  text_append(&report, " top:", 5);
  tree_report(root, &report, &top);
  tree_free(root);
  return report.data;
}

EXPORT(report_length) unsigned report_length(void) { return report.length; }

EXPORT(word_table) const struct table *word_table(void) { return words; }

/* Frees everything run() kept: afterwards the heap holds no block of this program. */
EXPORT(finish) void finish(void) {
  if (words != NULL) table_free(words);
  free(report.data);
  words = NULL;
  report = (struct text){ NULL, 0, 0 };
}

/* For bench.mjs: n malloc/free pairs (through the imports, or mini-alloc.c's), n calls of an empty import. */
EXPORT(churn) void churn(unsigned n, unsigned size) {
  for (unsigned i = 0; i < n; i++) free(malloc(size));
}

IMPORT(noop) void noop(void);
EXPORT(call_noop) void call_noop(unsigned n) {
  for (unsigned i = 0; i < n; i++) noop();
}

/* The same loop calling an empty function of the module (kept a real call): the baseline
 * that call_noop's crossing into JavaScript is compared with. */
__attribute__((noinline)) static void inner_noop(void) { __asm__ volatile(""); }
EXPORT(call_inner) void call_inner(unsigned n) {
  for (unsigned i = 0; i < n; i++) inner_noop();
}
