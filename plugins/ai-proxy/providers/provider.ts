// The one interface every provider implements (one file per provider, one line in registry.ts).
// The base class holds the fields every Higress provider has (`id`, `type`, `apiTokens`,
// `modelMapping`, `protocol`, `failover`, ...) plus this project's routing fields (`cluster`,
// `weight`, `variant`); a provider parses only its own fields in parseOwn and answers where each
// API lives upstream (host, path, auth, protocol). Nothing here calls the host.
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol, apiFromName, clientProtocol } from "../api";
import { ModelMapping } from "../model-mapping";
import { FailoverConfig, RetryConfig, parseFailover, parseRetry } from "../failover-config";
import { joinPath } from "./url";
import { CustomSetting, SettingColumn, parseCustomSettings } from "../custom-settings";
import { ReasoningMode, parseReasoningMode } from "../reasoning-content";

/** Fields every provider accepts. */
const COMMON_FIELDS: string[] = [
  "id", "type", "apiTokens", "timeout", "modelMapping", "protocol", "failover", "retryOnFailure",
  "capabilities", "basePath", "basePathHandling", "providerDomain",
  "cluster", "weight", "variant", "customSettings", "reasoningContentMode",
];

/** Higress fields this implementation accepts but does not act on (a warning is logged). */
const IGNORED_FIELDS: string[] = [
  "context", "subPath", "contextCleanupCommands", "firstByteTimeout", "responseJsonSchema",
  "geminiThinkingBudget", // read by gemini providers only (Higress ignores it elsewhere too)
];

export class CapabilityPath {
  constructor(public api: Api, public path: string) {}
}

export abstract class Provider {
  id: string = "";
  type: string = "";
  /** position in the config's provider list */
  index: i32 = 0;
  apiTokens: string[] = [];
  timeoutMs: u32 = 120000;
  modelMapping: ModelMapping = new ModelMapping();
  /** protocol "original": the client already speaks the provider's API; only host/auth change */
  original: bool = false;
  failover: FailoverConfig = new FailoverConfig();
  retry: RetryConfig = new RetryConfig();
  capabilities: CapabilityPath[] = [];
  basePath: string = "";
  basePathPrepend: bool = false;
  providerDomain: string = "";
  /** Envoy cluster serving this provider: written to the cluster header, used by http calls */
  cluster: string = "";
  weight: i32 = 0;
  variant: string = "";
  /** Higress customSettings: body parameters filled in or overridden */
  customSettings: CustomSetting[] = [];
  /** Higress reasoningContentMode: what happens to `reasoning_content` in answers */
  reasoningMode: ReasoningMode = ReasoningMode.Passthrough;

  // ---- implemented by each provider -----------------------------------------------------------

  /** Names of the provider's own config fields. */
  abstract ownFields(): string[];
  /** Parses and validates the provider's own fields; errors go to `f` under `path`. */
  abstract parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void;
  /** Default :authority. */
  abstract defaultHost(): string;
  /** Protocol the upstream speaks for `api` (the converters bridge any difference). */
  abstract upstreamProtocol(api: Api): Protocol;
  /** Upstream path (with query) for `api`, or "" when the provider does not offer it. */
  abstract defaultPath(api: Api, model: string, stream: bool): string;
  /** Adds the auth header(s) for `key`. */
  abstract addAuth(api: Api, key: string, out: HeaderPair[]): void;

  /** Other headers the upstream needs (e.g. anthropic-version). */
  addExtraHeaders(api: Api, out: HeaderPair[]): void {}
  /** Whether the `developer` role reaches the upstream unchanged (OpenAI, Azure). */
  keepsDeveloperRole(): bool { return false; }
  /** True for providers that forward the client's own path (generic). */
  keepsClientPath(): bool { return false; }
  /** True when the path names the model or the stream flag, so it is known only after the body. */
  pathNeedsBody(api: Api): bool { return false; }
  /** max_tokens for converted requests that set none (Anthropic requires it). */
  defaultMaxTokens(): i64 { return 4096; }
  /** Last touch on a converter-built body (e.g. Gemini safetySettings). */
  finishConvertedBody(body: string): string { return body; }
  /** Checked after all fields are read (e.g. azure: a token is required). */
  validate(f: JsonFields, path: string): void {}
  /** customSettings column and path prefix for a `protocol: original` body (Higress: the
   *  provider type's own names; OpenAI-compatible types use the openai column). */
  originalSettingColumn(): SettingColumn { return SettingColumn.OpenAI; }
  originalSettingPrefix(): string { return ""; }

  // ---- common behaviour -----------------------------------------------------------------------

  /** :authority sent upstream. */
  host(): string {
    return this.providerDomain.length > 0 ? this.providerDomain : this.defaultHost();
  }

  /** Protocol of the upstream for `api`; "original" providers speak the client's protocol. */
  protocolFor(api: Api): Protocol {
    return this.original ? clientProtocol(api) : this.upstreamProtocol(api);
  }

  /** True when the provider offers `api` (a `capabilities` entry or a default path). */
  supports(api: Api): bool {
    if (this.original || this.keepsClientPath()) return true;
    if (this.capabilityPath(api).length > 0) return true;
    return this.defaultPath(api, "model", false).length > 0;
  }

  /** The upstream path for `api`, "" when unsupported. clientPath is used by "original". */
  upstreamPath(api: Api, model: string, stream: bool, clientPath: string): string {
    let p: string;
    if (this.original || this.keepsClientPath()) p = this.stripBasePath(clientPath);
    else {
      p = this.capabilityPath(api);
      if (p.length == 0) p = this.defaultPath(api, model, stream);
      if (p.length == 0) return "";
    }
    return this.basePathPrepend ? joinPath(this.basePath, p) : p;
  }

  /** Removes `basePath` from a client path when basePathHandling is removePrefix. */
  stripBasePath(path: string): string {
    if (this.basePath.length == 0 || this.basePathPrepend) return path;
    if (!path.startsWith(this.basePath)) return path;
    const rest = path.substring(this.basePath.length);
    if (rest.length == 0) return "/";
    if (rest.startsWith("/")) return rest;
    if (rest.startsWith("?")) return "/" + rest;
    return path; // "/v1x" is not under "/v1"
  }

  capabilityPath(api: Api): string {
    for (let i = 0; i < this.capabilities.length; i++) {
      if (this.capabilities[i].api == api) return this.capabilities[i].path;
    }
    return "";
  }

  /** Reads the common fields, then the provider's own. Warnings (ignored fields) go to `warnings`. */
  parse(f: JsonFields, obj: JSON.Obj, path: string, warnings: string[]): void {
    const keys = obj.keys();
    const own = this.ownFields();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (COMMON_FIELDS.includes(k) || own.includes(k)) continue;
      if (k == "context") warnings.push(fieldPath(path, k) + ": not supported, ignored (the context file is not fetched nor added to requests)");
      else if (IGNORED_FIELDS.includes(k)) warnings.push(fieldPath(path, k) + ": not supported, ignored");
      else f.fail(fieldPath(path, k), "unknown field for provider type '" + this.type + "'");
    }
    this.id = f.str(obj, "id", path, "");
    this.apiTokens = f.strings(obj, "apiTokens", path);
    for (let i = 0; i < this.apiTokens.length; i++) {
      if (this.apiTokens[i].length == 0) f.fail(fieldPath(path, "apiTokens") + "[" + i.toString() + "]", "empty token");
    }
    this.timeoutMs = <u32>f.int(obj, "timeout", path, 0, 0, 3600000);
    if (this.timeoutMs == 0) this.timeoutMs = 120000;
    this.parseModelMapping(f, obj, path);
    const protocol = f.str(obj, "protocol", path, "openai");
    if (protocol == "original") this.original = true;
    else if (protocol != "openai") f.fail(fieldPath(path, "protocol"), "expected \"openai\" or \"original\"");
    const fo = f.obj(obj, "failover", path);
    if (fo !== null) this.failover = parseFailover(f, fo, fieldPath(path, "failover"));
    const rt = f.obj(obj, "retryOnFailure", path);
    if (rt !== null) this.retry = parseRetry(f, rt, fieldPath(path, "retryOnFailure"));
    this.parseCapabilities(f, obj, path, warnings);
    this.basePath = f.str(obj, "basePath", path, "");
    while (this.basePath.endsWith("/")) this.basePath = this.basePath.substring(0, this.basePath.length - 1);
    if (this.basePath.length > 0 && !this.basePath.startsWith("/")) f.fail(fieldPath(path, "basePath"), "must start with /");
    const handling = f.str(obj, "basePathHandling", path, "removePrefix");
    if (handling == "prepend") this.basePathPrepend = true;
    else if (handling != "removePrefix") f.fail(fieldPath(path, "basePathHandling"), "expected \"removePrefix\" or \"prepend\"");
    this.providerDomain = f.str(obj, "providerDomain", path, "");
    this.cluster = f.str(obj, "cluster", path, "");
    this.weight = <i32>f.int(obj, "weight", path, 0, 0, 1000000);
    this.variant = f.str(obj, "variant", path, "");
    this.customSettings = parseCustomSettings(f, obj, path, warnings);
    this.reasoningMode = parseReasoningMode(f, obj, path, warnings);
    this.parseOwn(f, obj, path);
    this.validate(f, path);
  }

  private parseModelMapping(f: JsonFields, obj: JSON.Obj, path: string): void {
    const mm = f.obj(obj, "modelMapping", path);
    if (mm === null) return;
    const mpath = fieldPath(path, "modelMapping");
    const keys = mm.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const value = f.str(mm, k, mpath, "");
      const err = this.modelMapping.add(k, value);
      if (err !== null) f.fail(mpath + "[\"" + k + "\"]", err);
    }
  }

  private parseCapabilities(f: JsonFields, obj: JSON.Obj, path: string, warnings: string[]): void {
    const caps = f.obj(obj, "capabilities", path);
    if (caps === null) return;
    const cpath = fieldPath(path, "capabilities");
    const keys = caps.keys();
    for (let i = 0; i < keys.length; i++) {
      const p = f.str(caps, keys[i], cpath, "");
      const api = apiFromName(keys[i]);
      if (api == Api.Unknown) {
        warnings.push(cpath + "." + keys[i] + ": capability not supported, ignored");
        continue;
      }
      if (!p.startsWith("/")) {
        f.fail(cpath + "." + keys[i], "expected a path starting with /");
        continue;
      }
      this.capabilities.push(new CapabilityPath(api, p));
    }
  }
}

/** `Authorization: Bearer <key>`, the OpenAI-style auth most providers use. */
export function addBearer(key: string, out: HeaderPair[]): void {
  out.push(new HeaderPair("authorization", "Bearer " + key));
}
