// What one request added to which counters, so it can be corrected later:
//   - token reservations are reconciled with the real usage (the difference is released, or
//     charged when the estimate was low);
//   - everything is rolled back when a later check refuses the request (all-or-nothing), or when
//     a queued request gives up;
//   - the tightest request and token quota, for the X-RateLimit-* / X-TokenRateLimit-* headers.
// Pure bookkeeping; the stores (local shared data, Redis) apply the corrections.
import { LimitWindow } from "./config-types";

export class Charge {
  key: string = "";
  window: LimitWindow | null = null;
  bucket: i64 = 0;
  cost: i64 = 0;
}

export class Quota {
  limit: i64 = -1; // -1: no such limit applied
  remaining: i64 = 0;
  resetMs: i64 = 0;

  clear(): void {
    this.limit = -1;
    this.remaining = 0;
    this.resetMs = 0;
  }

  /** Keeps the limit with the least remaining. */
  offer(limit: i64, remaining: i64, resetMs: i64): void {
    if (this.limit < 0 || remaining < this.remaining) {
      this.limit = limit;
      this.remaining = remaining;
      this.resetMs = resetMs;
    }
  }
}

export class Ledger {
  private pool: Charge[] = [];
  count: i32 = 0;
  /** tokens reserved per token window (the estimate) */
  reserved: i64 = 0;
  requests: Quota = new Quota();
  tokens: Quota = new Quota();

  clear(): void {
    this.count = 0;
    this.reserved = 0;
    this.requests.clear();
    this.tokens.clear();
  }

  add(key: string, window: LimitWindow, bucket: i64, cost: i64): void {
    if (this.count == this.pool.length) this.pool.push(new Charge());
    const c = unchecked(this.pool[this.count++]);
    c.key = key;
    c.window = window;
    c.bucket = bucket;
    c.cost = cost;
  }

  at(i: i32): Charge {
    return unchecked(this.pool[i]);
  }

  hasTokens(): bool {
    for (let i = 0; i < this.count; i++) if (unchecked(this.pool[i]).window!.tokens) return true;
    return false;
  }
}

/**
 * Tokens to charge at the end of a request, from what is known then:
 *   - usage reported (whole or partial stream): its total;
 *   - no usage and the upstream never answered, or answered with an error: nothing (the
 *     reservation is released: providers do not bill failed requests);
 *   - no usage after a successful response: the input estimate plus output estimated from the
 *     response bytes, capped at what was reserved for output.
 */
export function tokensToCharge(
  usageFound: bool, usageTotal: i64, responseStarted: bool, status: u32,
  inputEstimate: i64, reserved: i64, responseBytes: i64, bytesPerToken: i64,
): i64 {
  if (usageFound) return usageTotal;
  if (!responseStarted || status >= 400 || status == 0) return 0;
  const outputReserved = reserved > inputEstimate ? reserved - inputEstimate : 0;
  const bpt = bytesPerToken > 0 ? bytesPerToken : 1;
  let out = (responseBytes + bpt - 1) / bpt;
  if (out > outputReserved) out = outputReserved;
  return inputEstimate + out;
}
