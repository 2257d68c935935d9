// Health of one provider's apiTokens, the state machine behind Higress-style `failover`:
//   available --(failureThreshold consecutive failed requests)--> unavailable
//   unavailable --(successThreshold consecutive passing health checks)--> available
// A request that succeeds resets its key's failure count. Results for a key that is already
// unavailable are ignored (only health checks bring it back), as in Higress.
// The state lives in shared data (one value per provider, updated with CAS by every worker), so it
// is encoded compactly by key index, never by key text:
//   u32 fingerprint (of the token list: a config change starts fresh) | u32 count |
//   count x (u8 available, u16 failures, u16 successes)
// Pure: no host calls.

const HEADER: i32 = 8;
const PER_KEY: i32 = 5;
const MAX_COUNT: i32 = 0xffff;

export class KeyHealth {
  fingerprint: u32 = 0;
  available: bool[] = [];
  failures: i32[] = [];
  successes: i32[] = [];

  static fresh(fingerprint: u32, count: i32): KeyHealth {
    const h = new KeyHealth();
    h.fingerprint = fingerprint;
    for (let i = 0; i < count; i++) {
      h.available.push(true);
      h.failures.push(0);
      h.successes.push(0);
    }
    return h;
  }

  /** Decodes a stored value; anything missing, short or for another token list gives a fresh state. */
  static decode(data: ArrayBuffer | null, fingerprint: u32, count: i32): KeyHealth {
    if (data === null) return KeyHealth.fresh(fingerprint, count);
    const buf = changetype<ArrayBuffer>(data);
    if (buf.byteLength != HEADER + count * PER_KEY) return KeyHealth.fresh(fingerprint, count);
    const base = changetype<usize>(buf);
    if (load<u32>(base) != fingerprint || <i32>load<u32>(base + 4) != count) return KeyHealth.fresh(fingerprint, count);
    const h = new KeyHealth();
    h.fingerprint = fingerprint;
    for (let i = 0; i < count; i++) {
      const p = base + HEADER + <usize>(i * PER_KEY);
      h.available.push(load<u8>(p) != 0);
      h.failures.push(<i32>load<u16>(p + 1));
      h.successes.push(<i32>load<u16>(p + 3));
    }
    return h;
  }

  encode(): ArrayBuffer {
    const n = this.available.length;
    const buf = new ArrayBuffer(HEADER + n * PER_KEY);
    const base = changetype<usize>(buf);
    store<u32>(base, this.fingerprint);
    store<u32>(base + 4, <u32>n);
    for (let i = 0; i < n; i++) {
      const p = base + HEADER + <usize>(i * PER_KEY);
      store<u8>(p, this.available[i] ? 1 : 0);
      store<u16>(p + 1, <u16>min(this.failures[i], MAX_COUNT));
      store<u16>(p + 3, <u16>min(this.successes[i], MAX_COUNT));
    }
    return buf;
  }

  get count(): i32 {
    return this.available.length;
  }

  /** A request with key i finished; `failed` when its status matched failoverOnStatus.
   *  Returns true when the state changed. */
  recordRequest(i: i32, failed: bool, failureThreshold: i32): bool {
    if (i < 0 || i >= this.count || !this.available[i]) return false;
    if (!failed) {
      if (this.failures[i] == 0) return false;
      this.failures[i] = 0;
      return true;
    }
    this.failures[i] = this.failures[i] + 1;
    if (this.failures[i] >= failureThreshold) {
      this.available[i] = false;
      this.failures[i] = 0;
      this.successes[i] = 0;
    }
    return true;
  }

  /** A health check of key i finished. Returns true when the state changed. */
  recordProbe(i: i32, passed: bool, successThreshold: i32): bool {
    if (i < 0 || i >= this.count || this.available[i]) return false;
    if (!passed) {
      if (this.successes[i] == 0) return false;
      this.successes[i] = 0;
      return true;
    }
    this.successes[i] = this.successes[i] + 1;
    if (this.successes[i] >= successThreshold) {
      this.available[i] = true;
      this.successes[i] = 0;
      this.failures[i] = 0;
    }
    return true;
  }

  availableIndices(): i32[] {
    const out: i32[] = [];
    for (let i = 0; i < this.count; i++) if (this.available[i]) out.push(i);
    return out;
  }

  unavailableIndices(): i32[] {
    const out: i32[] = [];
    for (let i = 0; i < this.count; i++) if (!this.available[i]) out.push(i);
    return out;
  }
}

/** Fingerprint of a token list (order matters: state is by index). */
export function tokensFingerprint(tokens: string[]): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    for (let j = 0; j < t.length; j++) h = (h ^ <u32>t.charCodeAt(j)) * 0x01000193;
    h = (h ^ 0xff) * 0x01000193; // separator
  }
  return h;
}
