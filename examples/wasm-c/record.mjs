// Records the C program's allocations as a heapflow trace (.hft, traces/README.md) while it
// runs: one op per malloc, calloc, realloc and free, with the C call site each one passes
// (mini-libc.h's struct call_site), for `heapflow report` or `heapflow replay`.
// A block's trace id is its pointer's while it lives; a pointer reused after its free gets a
// new id, as the format asks.

export class AllocationRecorder {
  #lines = ['hft 1'];
  #ids = new Map(); // pointer -> id of the live block there
  #nextId = 0;
  #sites = new Map(); // call_site address -> index in the site table
  #last = 0n;
  #ops = 0;
  #memory;

  /** `memory`: the module's WebAssembly.Memory (the call sites' strings are read from it). */
  constructor(memory, facts = {}) {
    this.#memory = memory;
    for (const [key, value] of Object.entries(facts)) this.#lines.push(`m ${key} ${value}`);
    this.#last = process.hrtime.bigint();
  }

  /** Ops recorded so far. */
  get ops() { return this.#ops; }

  /** Live blocks according to the recording. */
  get liveBlocks() { return this.#ids.size; }

  malloc(ptr, size, site) {
    if (ptr !== 0) this.#op(`a ${this.#born(ptr)} ${size} 0`, site);
  }

  realloc(old, ptr, size, site) {
    if (old === 0) return this.malloc(ptr, size, site);
    if (ptr === 0 && size === 0) return this.free(old, site); // realloc(p, 0) freed p
    if (ptr === 0) return; // failed: p is untouched, as in C
    const id = this.#ids.get(old);
    this.#ids.delete(old);
    this.#ids.set(ptr, id);
    this.#op(`r ${id} ${size}`, site);
  }

  free(ptr, site) {
    if (ptr === 0) return;
    const id = this.#ids.get(ptr);
    this.#ids.delete(ptr);
    this.#op(`f ${id}`, site);
  }

  /** The trace as .hft text. */
  text() { return `${this.#lines.join('\n')}\n`; }

  #born(ptr) {
    const id = this.#nextId++;
    this.#ids.set(ptr, id);
    return id;
  }

  #op(head, site) {
    const now = process.hrtime.bigint();
    const dt = now - this.#last;
    this.#last = now;
    this.#lines.push(`${head} ${dt} 0 ${this.#site(site)}`);
    this.#ops++;
  }

  /** The site table index of a struct call_site, declared by an `s` line when first seen. */
  #site(address) {
    if (address === 0) return '-';
    let index = this.#sites.get(address);
    if (index === undefined) {
      index = this.#sites.size;
      this.#sites.set(address, index);
      const words = new Uint32Array(this.#memory.buffer, address, 3);
      const [fn, file, line] = [this.#string(words[0]), this.#string(words[1]), words[2]];
      const pc = `0x${address.toString(16)}`;
      this.#lines.push(`s ${index} ${pc} program.wasm+${pc} ${file}:${line} ${fn}`);
    }
    return index;
  }

  #string(at) {
    const bytes = new Uint8Array(this.#memory.buffer);
    let end = at;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(at, end));
  }
}
