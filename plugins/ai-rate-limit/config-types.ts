// The parsed configuration: everything the request path needs, built once in onConfigure
// (counter key prefixes, compiled regexes, CIDR blocks, window specs), so a request only
// concatenates a prefix with a key value.
import { Regex } from "./regex/vm";
import { Cidr } from "./ip";
import { WindowSpec } from "./windows";
import { EstimateConfig } from "./estimate";
import { BreakerSpec } from "./breaker";
import { counterKey } from "./request-values";

/** Where a rule takes its key value from. */
export const enum KeySource {
  Global = 0,
  Header = 1,
  Param = 2,
  Consumer = 3,
  Cookie = 4,
  Ip = 5,
  Model = 6,
}

/** How a limit_keys entry selects key values. */
export const enum ItemKind {
  Exact = 0, // limit_by_*: this value only
  Regex = 1, // limit_by_per_*: "regexp:..." (unanchored, like Go's MatchString)
  All = 2, // limit_by_per_*: "*"
  Cidr = 3, // limit_by_per_ip: IP or CIDR block
}

/** The header Higress puts the authenticated consumer name in. */
export const CONSUMER_HEADER: string = "x-mse-consumer";

/** One counter of a key item: requests or tokens over one window. */
export class LimitWindow {
  spec: WindowSpec;
  tokens: bool;
  /** config field it came from (query_per_minute ...), for headers and logs */
  field: string;
  /** counter key without the key value: "<prefix>:<q|t><seconds>:" */
  keyPrefix: string;
  /** one-entry cache of the last key value's counter key (a client's requests repeat it) */
  private lastValue: string | null = null;
  private lastKey: string = "";
  /** TouchedKeys generation in which lastKey was noted (-1: not yet) */
  notedGen: i32 = -1;
  constructor(spec: WindowSpec, tokens: bool, field: string, keyPrefix: string) {
    this.spec = spec;
    this.tokens = tokens;
    this.field = field;
    this.keyPrefix = keyPrefix;
  }

  /** counterKey(keyPrefix, value), without rebuilding (or re-hashing) a repeated value's key. */
  keyFor(value: string): string {
    const last = this.lastValue;
    if (last !== null && last == value) return this.lastKey;
    const k = counterKey(this.keyPrefix, value);
    this.lastValue = value;
    this.lastKey = k;
    this.notedGen = -1;
    return k;
  }
}

/** Concurrency limit with an optional wait queue. */
export class ConcurrencyLimit {
  maxInFlight: i32 = 0;
  maxQueue: i32 = 0;
  maxWaitMs: i64 = 30_000;
  /** slot record key without the key value */
  keyPrefix: string = "";
}

export class KeyItem {
  kind: ItemKind = ItemKind.Exact;
  key: string = "";
  regex: Regex | null = null;
  cidr: Cidr | null = null;
  windows: LimitWindow[] = [];
  concurrency: ConcurrencyLimit | null = null;
  /** strict token mode's one-at-a-time slot (exclusive.ts) */
  exclusive: ConcurrencyLimit | null = null;
  /** config path, for logs */
  path: string = "";

  hasTokenWindow(): bool {
    for (let i = 0; i < this.windows.length; i++) if (this.windows[i].tokens) return true;
    return false;
  }
}

export class HeaderMatch {
  name: string = "";
  exact: string | null = null;
  prefix: string | null = null;
  suffix: string | null = null;
  contains: string | null = null;
  regex: Regex | null = null;
  /** present: true = must exist, false = must be absent; unset when only a value test is given */
  present: i8 = -1;
  invert: bool = false;
}

/** Model names: exact, "prefix*", "*", or "regexp:<re>". */
export class ModelPattern {
  exact: string | null = null;
  prefix: string | null = null;
  regex: Regex | null = null;
  any: bool = false;

  matches(model: string): bool {
    if (this.any) return true;
    if (this.exact !== null) return model == this.exact!;
    if (this.prefix !== null) return model.startsWith(this.prefix!);
    if (this.regex !== null) return this.regex!.search(model);
    return false;
  }
}

/** Which requests a rule applies to (all tests must pass; absent tests pass). */
export class RequestMatch {
  pathExact: string | null = null;
  pathPrefix: string | null = null;
  pathRegex: Regex | null = null;
  methods: string[] = [];
  models: ModelPattern[] = [];
  headers: HeaderMatch[] = [];
}

export class Rule {
  name: string = "";
  /** config path ("rules[2]", "rule_items[0]", "global_threshold") */
  path: string = "";
  match: RequestMatch | null = null;
  source: KeySource = KeySource.Global;
  /** limit_by_per_*: each value has its own counter */
  perValue: bool = false;
  /** header / param / cookie name */
  sourceName: string = "";
  /** limit_by_per_ip: header to read the client IP from; "" = the connection's address */
  ipHeader: string = "";
  items: KeyItem[] = [];

  /** The rule cannot be decided before the request body is read. */
  needsModel(): bool {
    return this.source == KeySource.Model || (this.match !== null && this.match!.models.length > 0);
  }

  hasTokens(): bool {
    for (let i = 0; i < this.items.length; i++) if (this.items[i].hasTokenWindow()) return true;
    return false;
  }
}

/** Rules evaluated together: with firstMatch only the first rule that yields a key item counts
 *  (Higress rule_items); otherwise every rule that applies counts (each native rule is a group). */
export class RuleGroup {
  rules: Rule[] = [];
  firstMatch: bool = false;
}

export class RedisConfig {
  serviceName: string = "";
  servicePort: i64 = 6379;
  username: string = "";
  password: string = "";
  timeoutMs: i64 = 1000;
  database: i64 = 0;
  /** Envoy cluster name the Redis ABI takes: outbound|<port>||<service>[?db=N] */
  cluster: string = "";
}

export class BreakerConfig {
  spec: BreakerSpec = new BreakerSpec();
  /** statuses that count as failures (full-match regexes like Higress "5.*") */
  failureStatus: Regex[] = [];
  /** status of the local reply while open */
  openStatus: u32 = 503;
  /** include the x-ai-provider header (set by ai-proxy) in the breaker key */
  perProvider: bool = true;
}

export const FAIL_OPEN: u8 = 0;
export const FAIL_CLOSED: u8 = 1;

export class RateLimitConfig {
  groups: RuleGroup[] = [];
  /** Higress rule_name (also the key namespace of its rules) */
  ruleName: string = "";
  rejectedCode: u32 = 429;
  /** body of the rejection; null = an error in the client's protocol (OpenAI / Anthropic) */
  rejectedMsg: string | null = null;
  showQuotaHeaders: bool = false;
  /** status when a queued request waited max_queue_wait_ms */
  queueTimeoutCode: u32 = 503;
  estimate: EstimateConfig = new EstimateConfig();
  breaker: BreakerConfig | null = null;
  redis: RedisConfig | null = null;
  failureMode: u8 = FAIL_OPEN;
  /** may on_request_headers hold the request (StopIteration) while the body is read? */
  headerHold: bool = true;
  /** a rule is keyed or matched by model: nothing is selected before the body is read */
  needsModel: bool = false;
  /** any rule needs the body (a model match or key, or a token limit) */
  needsBody: bool = false;
  hasTokens: bool = false;
  hasConcurrency: bool = false;
  /** true for a global config that only sits next to `_rules_` and limits nothing */
  empty: bool = false;
}
