// What a finished request tells the circuit breaker. A request that got no answer from the
// upstream (the client left first, or the limiter refused it after the breaker admitted it) is
// "cancelled": it frees a probe slot but counts neither way. Envoy answers connect failures,
// resets and timeouts itself (503/504), so those arrive as failure statuses.
import { BreakerConfig } from "./config-types";
import { Outcome } from "./breaker";

export function outcomeOf(b: BreakerConfig, probe: bool, answered: bool, status: u32, ttfbMs: i64): Outcome {
  const o = new Outcome();
  o.probe = probe;
  o.cancelled = !answered;
  if (!answered) return o;
  const st = status.toString();
  for (let i = 0; i < b.failureStatus.length; i++) {
    if (b.failureStatus[i].fullMatch(st)) {
      o.failed = true;
      break;
    }
  }
  o.slow = b.spec.slowCallMs > 0 && ttfbMs >= b.spec.slowCallMs;
  return o;
}
