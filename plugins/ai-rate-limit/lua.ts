// Cluster mode: the same window algorithms as windows.ts, run atomically inside Redis with EVAL so
// every gateway instance shares one count. One script call checks (and on success charges) all
// the counters a request needs: either all are charged or none, so a rejection never leaves a
// partial charge behind. Each counter is a hash: field = bucket index (ms / bucket width), value
// = count; a fixed window is the same with one bucket per window. Keys expire one window after
// their last write, so Redis cleans them up.
import { RespCommand } from "./resp";
import { WindowSpec } from "./windows";

/**
 * KEYS[i]: counters. ARGV[1]: now (ms); per key i, ARGV[2+4(i-1) ..]: window ms, buckets, limit,
 * cost. Reply: {allowed 1|0, index of the first counter that did not fit (0 if none), then per key:
 * remaining, reset ms, bucket index}.
 */
export const CHECK_AND_ADD_SCRIPT: string = `local now = tonumber(ARGV[1])
local n = #KEYS
local sums, idxs, live, prm = {}, {}, {}, {}
local ok, fail = 1, 0
for i = 1, n do
  local a = 1 + (i - 1) * 4
  local win, k = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local limit, cost = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local width = math.floor(win / k)
  local idx = math.floor(now / width)
  local oldest = idx - k + 1
  local flat = redis.call('HGETALL', KEYS[i])
  local sum, b = 0, {}
  for j = 1, #flat, 2 do
    local bi = tonumber(flat[j])
    if bi < oldest then
      redis.call('HDEL', KEYS[i], flat[j])
    else
      local c = tonumber(flat[j + 1])
      sum = sum + c
      b[bi] = (b[bi] or 0) + c
    end
  end
  sums[i], idxs[i], live[i], prm[i] = sum, idx, b, {win, k, width, limit, cost}
  if ok == 1 and sum + cost > limit then ok, fail = 0, i end
end
local out = {ok, fail}
for i = 1, n do
  local win, k, width, limit, cost = prm[i][1], prm[i][2], prm[i][3], prm[i][4], prm[i][5]
  local sum, idx, b = sums[i], idxs[i], live[i]
  local remaining, target, reset = 0, 0, 0
  if ok == 1 then
    redis.call('HINCRBY', KEYS[i], idx, cost)
    redis.call('PEXPIRE', KEYS[i], win + width)
    b[idx] = (b[idx] or 0) + cost
    sum = sum + cost
    remaining = limit - sum
    target = sum - 1
  else
    remaining = limit - sum
    if remaining < 0 then remaining = 0 end
    target = limit - cost
  end
  if cost > limit and ok == 0 then
    reset = win
  else
    local s = sum
    reset = win
    if s <= target then reset = 0 end
    for j = 0, k - 1 do
      if s <= target then break end
      s = s - (b[idx - k + 1 + j] or 0)
      if s <= target then
        reset = (idx + 1 + j) * width - now
        if reset < 0 then reset = 0 end
      end
    end
    if ok == 1 and reset == 0 then reset = (idx + 1) * width - now end
  end
  out[#out + 1] = remaining
  out[#out + 1] = reset
  out[#out + 1] = idx
end
return out`;

/**
 * Token reconciliation: KEYS[i] counters; ARGV[1] now (ms); per key, ARGV[2+4(i-1) ..]: window ms,
 * buckets, bucket index of the reservation, delta. A release into a bucket that left the window
 * is dropped; a charge then lands in the current bucket. Counts never go below zero.
 */
export const ADJUST_SCRIPT: string = `local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local a = 1 + (i - 1) * 4
  local win, k = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local bucket, delta = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local width = math.floor(win / k)
  local idx = math.floor(now / width)
  local target = bucket
  local skip = false
  if bucket < idx - k + 1 or bucket > idx then
    if delta < 0 then skip = true else target = idx end
  end
  if not skip and delta ~= 0 then
    local v = redis.call('HINCRBY', KEYS[i], target, delta)
    if v < 0 then redis.call('HSET', KEYS[i], target, 0) end
    redis.call('PEXPIRE', KEYS[i], win + width)
  end
end
return 1`;

/** Collects counters for one EVAL. */
export class EvalBatch {
  keys: string[] = [];
  args: i64[] = [];

  clear(): void {
    this.keys.length = 0;
    this.args.length = 0;
  }

  /** A check-and-add of `cost` on the counter `key`. */
  addCheck(key: string, spec: WindowSpec, cost: i64): void {
    this.keys.push(key);
    this.args.push(spec.windowMs);
    this.args.push(<i64>spec.buckets);
    this.args.push(spec.limit);
    this.args.push(cost);
  }

  /** A correction of an earlier reservation in `bucket`. */
  addAdjust(key: string, spec: WindowSpec, bucket: i64, delta: i64): void {
    this.keys.push(key);
    this.args.push(spec.windowMs);
    this.args.push(<i64>spec.buckets);
    this.args.push(bucket);
    this.args.push(delta);
  }

  /** EVAL <script> <numkeys> keys... now args... */
  encode(script: string, nowMs: i64): ArrayBuffer {
    const c = new RespCommand().arg("EVAL").arg(script).argInt(this.keys.length);
    for (let i = 0; i < this.keys.length; i++) c.arg(this.keys[i]);
    c.argInt(nowMs);
    for (let i = 0; i < this.args.length; i++) c.argInt(this.args[i]);
    return c.encode();
  }
}
