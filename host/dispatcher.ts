// One worker's event loop discipline (Envoy: one dispatcher per worker thread).
//
// Everything that enters a worker from outside (a downstream event, an upstream event, a timer, an
// http_call result) runs as an event. Work that must not run inside the current callback (a
// deferred action such as continue_stream, a callback arriving while the VM is busy, the end of a
// stream) is queued and runs when the outermost event returns, in order. This gives Envoy's
// "after VM call" semantics without re-entering a filter chain that is still unwinding.

/** Something whose end runs from the queue without a closure (a stream: per request). */
export interface Finishable {
  finish(): void;
}

type Item = (() => void) | Finishable;

export class Dispatcher {
  private depth = 0;
  private queue: Item[] = [];
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
    this.runNow(fn);
  }

  /** Runs fn now even inside another event (work it queues runs when the outermost event ends). */
  runNow(fn: () => void): void {
    this.depth++;
    try {
      fn();
    } finally {
      this.depth--;
    }
    if (this.depth === 0 && this.queue.length > 0) this.drain();
  }

  /** enter()/exit() bracket an event without allocating a closure (hot paths). */
  enter(): void {
    this.depth++;
  }
  exit(): void {
    this.depth--;
    if (this.depth === 0 && this.queue.length > 0) this.drain();
  }

  /** Queues fn (or a stream's finish) to run after the current event and what was queued before. */
  post(item: Item): void {
    this.queue.push(item);
    if (this.depth === 0) this.drain();
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.depth++;
      try {
        if (typeof item === "function") item();
        else item.finish();
      } finally {
        this.depth--;
      }
    }
  }
}
