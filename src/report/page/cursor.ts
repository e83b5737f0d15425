/**
 * The op cursor shared by every view of a trace: the number of ops applied. Listeners run
 * once per animation frame however often the cursor moves in between (a dragged slider).
 */
export class Cursor {
  private pending = false;
  private readonly listeners: ((t: number) => void)[] = [];

  constructor(public value: number, readonly max: number) {}

  set(t: number): void {
    const v = Math.max(0, Math.min(this.max, Math.round(t)));
    if (v === this.value && !this.pending) return;
    this.value = v;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.notify();
    });
  }

  /** Runs every listener now (after setup, or in tests). */
  notify(): void {
    for (const l of this.listeners) l(this.value);
  }

  listen(l: (t: number) => void): void {
    this.listeners.push(l);
  }
}
