// Strict token mode: a request whose reservation may be below its real usage (no output cap, or
// images priced by a guess) runs only while no other such request of the same token key is in
// flight. Concurrent requests then overshoot a token limit by at most one reservation's
// underestimate. Built on the concurrency slots (one slot, no queue: refused with Retry-After 1 s),
// so it is per Envoy instance (shared data) in both storage modes.
import { KeyItem, ConcurrencyLimit } from "./config-types";

/** The one-slot limit of a key item with token windows (made on first use, kept on the item). */
export function exclusiveLimit(item: KeyItem): ConcurrencyLimit {
  let c = item.exclusive;
  if (c === null) {
    c = new ConcurrencyLimit();
    c.maxInFlight = 1;
    c.maxQueue = 0;
    c.maxWaitMs = 1000;
    // "<rule key base>:t60:" -> "<rule key base>:x:" (apart from q/t/c counters of the same item)
    let prefix = "";
    for (let i = 0; i < item.windows.length; i++) {
      const w = item.windows[i];
      if (w.tokens) {
        const p = w.keyPrefix;
        prefix = p.substring(0, p.lastIndexOf(":", p.length - 2) + 1) + "x:";
        break;
      }
    }
    c.keyPrefix = prefix;
    item.exclusive = c;
  }
  return c;
}
