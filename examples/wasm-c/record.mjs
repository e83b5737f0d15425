// Records the C program's allocations as a heapflow trace (.hft, traces/README.md) while it
// runs: one op per malloc, calloc, realloc and free, with the time and the C call site each
// call passes (mini-libc.h's struct call_site), for `heapflow report` or `heapflow replay`.
// A block's trace id is its pointer's while it lives; a pointer reused after its free gets a
// new id, as the format asks. Ops go into typed columns as they come (a few stores per call);
// the text is made once, by text().

const ALLOC = 0, FREE = 1, REALLOC = 2;

export class AllocationRecorder {
  #kinds = new Uint8Array(1024);
  #ids = new Uint32Array(1024);
  #sizes = new Float64Array(1024);
  #sites = new Uint32Array(1024); // struct call_site addresses (0: none)
  #times = new Float64Array(1024); // ms, performance.now()
  #ops = 0;
  #live = new Map(); // pointer -> id of the live block there
  #nextId = 0;
  #memory;
  #facts;

  /** `memory`: the module's WebAssembly.Memory (the call sites' strings are read from it). */
  constructor(memory, facts = {}) {
    this.#memory = memory;
    this.#facts = facts;
  }

  /** Allocator calls recorded so far (those that changed the heap). */
  get ops() { return this.#ops; }

  /** Live blocks according to the recording. */
  get liveBlocks() { return this.#live.size; }

  malloc(ptr, size, site) {
    if (ptr === 0) return;
    const id = this.#nextId++;
    this.#live.set(ptr, id);
    this.#push(ALLOC, id, size, site);
  }

  realloc(old, ptr, size, site) {
    if (old === 0) return this.malloc(ptr, size, site);
    if (ptr === 0 && size === 0) return this.free(old, site); // realloc(p, 0) freed p
    if (ptr === 0) return; // failed: p is untouched, as in C
    const id = this.#live.get(old);
    this.#live.delete(old);
    this.#live.set(ptr, id);
    this.#push(REALLOC, id, size, site);
  }

  free(ptr, site) {
    if (ptr === 0) return;
    const id = this.#live.get(ptr);
    this.#live.delete(ptr);
    this.#push(FREE, id, 0, site);
  }

  /** The trace as .hft text: metadata, the call sites seen, then the ops. */
  text() {
    const lines = ['hft 1', ...Object.entries(this.#facts).map(([key, value]) => `m ${key} ${value}`)];
    const siteIndex = new Map(); // struct call_site address -> index in the site table
    let previous = this.#ops > 0 ? this.#times[0] : 0;
    for (let i = 0; i < this.#ops; i++) {
      const address = this.#sites[i];
      let site = '-';
      if (address !== 0) {
        if (!siteIndex.has(address)) {
          siteIndex.set(address, siteIndex.size);
          lines.push(`s ${siteIndex.size - 1} ${this.#describeSite(address)}`);
        }
        site = siteIndex.get(address);
      }
      const dt = Math.max(0, Math.round((this.#times[i] - previous) * 1e6));
      previous = this.#times[i];
      const id = this.#ids[i], kind = this.#kinds[i];
      const head = kind === ALLOC ? `a ${id} ${this.#sizes[i]} 0` : kind === REALLOC ? `r ${id} ${this.#sizes[i]}` : `f ${id}`;
      lines.push(`${head} ${dt} 0 ${site}`);
    }
    return `${lines.join('\n')}\n`;
  }

  #push(kind, id, size, site) {
    if (this.#ops === this.#kinds.length) this.#grow();
    const i = this.#ops++;
    this.#kinds[i] = kind;
    this.#ids[i] = id;
    this.#sizes[i] = size;
    this.#sites[i] = site;
    this.#times[i] = performance.now();
  }

  #grow() {
    const double = (a) => { const b = new a.constructor(a.length * 2); b.set(a); return b; };
    this.#kinds = double(this.#kinds);
    this.#ids = double(this.#ids);
    this.#sizes = double(this.#sizes);
    this.#sites = double(this.#sites);
    this.#times = double(this.#times);
  }

  /** `pc module file:line function` of a struct call_site { function, file, line } in memory. */
  #describeSite(address) {
    const [fn, file, line] = new Uint32Array(this.#memory.buffer, address, 3);
    const pc = `0x${address.toString(16)}`;
    return `${pc} program.wasm+${pc} ${this.#string(file)}:${line} ${this.#string(fn)}`;
  }

  #string(at) {
    const bytes = new Uint8Array(this.#memory.buffer);
    let end = at;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(at, end));
  }
}
