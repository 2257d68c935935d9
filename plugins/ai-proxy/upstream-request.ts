// Builds the upstream request for one provider from the client's request: path, :authority,
// auth and extra headers, and the body. Same-protocol bodies get only the edits that must happen
// (model mapping, stream_options.include_usage for streamed OpenAI-protocol upstreams, developer
// -> system for upstreams without that role) and stay byte-identical otherwise; other pairs go
// through the converters. Pure, and re-run from the original body for every retry or fallback.
import { HeaderPair } from "../../assembly/pairs";
import { Api, Protocol, clientProtocol, hasModelBody } from "./api";
import { Provider } from "./providers/provider";
import { BodyFields, Splice, applySplices, modelSplice, includeUsageSplice, developerRoleSplices, sortSplices, scanBody } from "./body-fields";
import { SettingColumn, applyCustomSettings } from "./custom-settings";
import { ReasoningMode } from "./reasoning-content";
import { Converter, ConvertOptions, ConvertError, RequestResult, pickConverter } from "./converters/converter";

/** The client's request, as read once. */
export class ClientRequest {
  api: Api = Api.Unknown;
  path: string = "";
  authority: string = "";
  /** the client's own key (Authorization Bearer, x-api-key, api-key or x-goog-api-key), "" = none */
  clientKey: string = "";
  body: ArrayBuffer | null = null;
  /** body decoded (only when a converter needs it) */
  text: string = "";
  fields: BodyFields | null = null;
  /** seconds since the epoch, for converted `created` fields */
  nowSeconds: i64 = 0;

  get model(): string {
    return this.fields === null ? "" : this.fields!.model;
  }

  get stream(): bool {
    return this.fields !== null && this.fields!.stream;
  }
}

export class UpstreamRequest {
  /** client error: answer `errorStatus` with `errorBody` (already in the client's protocol when
   *  errorFromConverter, else a message to wrap) */
  error: string = "";
  errorStatus: u32 = 0;
  errorBody: string = "";
  path: string = "";
  host: string = "";
  headers: HeaderPair[] = [];
  /** null = forward the client's bytes unchanged */
  body: ArrayBuffer | null = null;
  stream: bool = false;
  model: string = "";
  upstreamProtocol: Protocol = Protocol.OpenAI;
  converter: Converter | null = null;
  converted: RequestResult | null = null;
  opts: ConvertOptions = new ConvertOptions();

  get failed(): bool {
    return this.errorStatus != 0;
  }
}

function fail(u: UpstreamRequest, status: u32, message: string): UpstreamRequest {
  u.errorStatus = status;
  u.error = message;
  return u;
}

/** modelOverride "" = the provider's modelMapping applied to the client's model. key "" = no auth. */
export function buildUpstreamRequest(p: Provider, client: ClientRequest, modelOverride: string, key: string): UpstreamRequest {
  const u = new UpstreamRequest();
  const edited = withCustomSettings(p, client);
  if (edited === null) return fail(u, 500, "provider '" + p.id + "': customSettings left the request body without a valid model");
  const c = edited!;
  const api = c.api;
  const proto = clientProtocol(api);
  u.upstreamProtocol = p.protocolFor(api);
  u.stream = c.stream;
  u.host = p.host();
  if (u.host.length == 0) u.host = c.authority;
  if (key.length > 0) p.addAuth(api, key, u.headers);
  p.addExtraHeaders(api, u.headers);

  if (p.original || api == Api.Unknown) {
    u.model = c.model;
    u.path = p.upstreamPath(api, u.model, u.stream, c.path);
    if (c !== client) u.body = c.body;
    return u;
  }
  if (!p.supports(api)) {
    return fail(u, 404, "provider '" + p.id + "' (" + p.type + ") does not serve " + c.path);
  }
  if (hasModelBody(api)) {
    if (c.model.length == 0) return fail(u, 400, "model: required");
    u.model = modelOverride.length > 0 ? modelOverride : p.modelMapping.map(c.model);
  }
  if (proto == u.upstreamProtocol) editSameProtocol(p, c, u, c !== client);
  else if (!convert(p, c, u, proto)) return u;
  u.path = p.upstreamPath(api, u.model, u.stream, c.path);
  if (u.path.length == 0) return fail(u, 404, "provider '" + p.id + "' does not serve " + c.path);
  return u;
}

/** `edited`: customSettings already changed the body (it goes up even without other edits). */
function editSameProtocol(p: Provider, c: ClientRequest, u: UpstreamRequest, edited: bool): void {
  const f = c.fields;
  if (f === null || c.body === null) return;
  if (edited) u.body = c.body;
  const fields = f;
  const body = c.body!;
  const splices: Splice[] = [];
  if (fields.modelStart >= 0 && u.model != c.model) splices.push(modelSplice(fields, u.model));
  if (u.upstreamProtocol == Protocol.OpenAI && (c.api == Api.ChatCompletions || c.api == Api.Completions)) {
    if (fields.stream) {
      const s = includeUsageSplice(body, fields);
      if (s !== null) splices.push(s);
    }
  }
  if (c.api == Api.ChatCompletions && !p.keepsDeveloperRole()) developerRoleSplices(body, fields, splices);
  if (splices.length == 0) return;
  sortSplices(splices);
  u.body = applySplices(body, splices);
}

function convert(p: Provider, c: ClientRequest, u: UpstreamRequest, client: Protocol): bool {
  const conv = pickConverter(client, u.upstreamProtocol);
  if (conv === null) {
    fail(u, 400, "provider '" + p.id + "' cannot serve this API: no converter for the pair");
    return false;
  }
  u.converter = conv;
  const o = u.opts;
  o.model = u.model;
  o.defaultMaxTokens = p.defaultMaxTokens();
  o.nowSeconds = c.nowSeconds;
  const rr = conv.request(c.text, o);
  if (rr.error !== null) {
    const e = rr.error!;
    u.errorStatus = <u32>e.status;
    u.error = e.message;
    u.errorBody = conv.clientErrorBody(e);
    return false;
  }
  // A converted stream to an OpenAI client always ends with a usage chunk, as same-protocol
  // streams do once stream_options.include_usage is injected: usage is never missing downstream.
  if (rr.stream && client == Protocol.OpenAI) rr.includeUsage = true;
  u.converted = rr;
  u.stream = rr.stream;
  if (rr.model.length > 0) u.model = rr.model;
  u.body = String.UTF8.encode(p.finishConvertedBody(rr.body));
  return true;
}

/** The client's request with the provider's customSettings applied to its body (the same
 *  object when they change nothing), or null when the edited body lost its model. */
function withCustomSettings(p: Provider, c: ClientRequest): ClientRequest | null {
  if (p.customSettings.length == 0 || c.body === null || c.fields === null || !hasModelBody(c.api)) return c;
  let column = clientProtocol(c.api) == Protocol.Anthropic ? SettingColumn.Claude : SettingColumn.OpenAI;
  let prefix = "";
  if (p.original) {
    column = p.originalSettingColumn();
    prefix = p.originalSettingPrefix();
  }
  const text = applyCustomSettings(c.text.length > 0 ? c.text : String.UTF8.decode(c.body!), p.customSettings, column, prefix);
  if (text === null) return c;
  const out = new ClientRequest();
  out.api = c.api;
  out.path = c.path;
  out.authority = c.authority;
  out.clientKey = c.clientKey;
  out.nowSeconds = c.nowSeconds;
  out.text = text!;
  out.body = String.UTF8.encode(text!);
  const fields = scanBody(out.body!, "");
  if (fields.error !== null || (c.model.length > 0 && fields.model.length == 0)) return null;
  out.fields = fields;
  return out;
}

/** The reasoningContentMode that applies to this upstream's answers: OpenAI chat answers from an
 *  OpenAI-protocol upstream, unconverted (the only ones carrying `reasoning_content`). */
export function reasoningModeOf(p: Provider, u: UpstreamRequest, api: Api): ReasoningMode {
  if (api != Api.ChatCompletions || p.original || u.converter !== null || u.upstreamProtocol != Protocol.OpenAI) return ReasoningMode.Passthrough;
  return p.reasoningMode;
}

/** The client's key from its own auth header, so it can pass through when none is configured. */
export function clientKeyFrom(authorization: string | null, xApiKey: string | null, apiKey: string | null, googKey: string | null): string {
  if (authorization !== null) {
    const a = authorization;
    if (a.length > 7 && a.substring(0, 7).toLowerCase() == "bearer ") return a.substring(7).trim();
  }
  if (xApiKey !== null && xApiKey.length > 0) return xApiKey;
  if (apiKey !== null && apiKey.length > 0) return apiKey;
  if (googKey !== null && googKey.length > 0) return googKey;
  return "";
}

/** Client auth headers removed before the provider's own are set. */
export const CLIENT_AUTH_HEADERS: string[] = ["authorization", "x-api-key", "api-key", "x-goog-api-key"];

export { ConvertError };
