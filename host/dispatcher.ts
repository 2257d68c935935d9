// One worker's event loop discipline (Envoy: one dispatcher per worker thread).
//
// Everything that enters a worker from outside (a downstream event, an upstream event, a timer, an
// http_call result) runs through event(). Work that must not run inside the current callback (a
// deferred action such as continue_stream, a callback arriving while the VM is busy) is post()ed
// and runs when the outermost event returns, in order. This gives Envoy's "after VM call"
// semantics without re-entering a filter chain that is still unwinding.

export class Dispatcher {
  private depth = 0;
  private queue: (() => void)[] = [];
  readonly index: number;

  constructor(index: number) {
    this.index = index;
  }

  get busy(): boolean {
    return this.depth > 0;
  }

  /** Runs fn now if idle (then drains), or queues it behind the current work. */
  event(fn: () => void): void {
    if (this.depth > 0) {
      this.queue.push(fn);
      return;
    }
    this.depth++;
    try {
      fn();
    } finally {
      this.depth--;
    }
    this.drain();
  }

  /** Runs fn now even inside another event (work it posts runs when the outermost event ends). */
  runNow(fn: () => void): void {
    this.depth++;
    try {
      fn();
    } finally {
      this.depth--;
    }
    this.drain();
  }

  /** Queues fn to run after the current event (and anything queued before it). */
  post(fn: () => void): void {
    this.queue.push(fn);
    if (this.depth === 0) this.drain();
  }

  private drain(): void {
    if (this.depth > 0) return;
    while (this.queue.length > 0) {
      const fn = this.queue.shift()!;
      this.depth++;
      try {
        fn();
      } finally {
        this.depth--;
      }
    }
  }
}
