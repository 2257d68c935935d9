// Everything one request accumulates, as typed fields (no string-keyed bag). Filled by index.ts
// from the host; read by report.ts. States are reused by later requests of the VM (reset), so a
// request allocates no reader, capture or parser of its own. Pure.
import { StatsConfig } from "./config";
import { Api } from "./request-info";
import { RequestReader } from "./request-reader";
import { ResponseReader, REUSE_MAX_BYTES } from "./response-reader";
import { AttributeValues } from "./attribute-values";
import { BuiltinPaths } from "./builtin-attributes";

export class RequestState {
  cfg: StatsConfig;
  values: AttributeValues;
  request: RequestReader;
  response: ResponseReader | null = null;
  /** the reader of an earlier response, kept for reuse */
  private spareResponse: ResponseReader | null = null;

  startNanos: u64 = 0;
  firstByteNanos: u64 = 0;
  endNanos: u64 = 0;

  path: string = "";
  api: Api = Api.Other;
  /** model named by the request (body `model`, else the Gemini path) */
  requestModel: string = "";

  route: string = "";
  cluster: string = "";
  consumer: string = "";
  provider: string = "";
  variant: string = "";
  sessionId: string = "";
  /** consumer/provider/variant were read again at the response headers */
  aiHeadersRead: bool = false;

  status: i32 = 0;
  contentType: string = "";
  /** the response is an SSE stream */
  stream: bool = false;
  responseEnded: bool = false;
  /** response.code_details at the end ("" when unknown or not needed) */
  codeDetails: string = "";
  /** the metrics and the log were written */
  reported: bool = false;

  constructor(cfg: StatsConfig) {
    this.cfg = cfg;
    this.values = new AttributeValues(cfg.attributes.length, cfg.valueLengthLimit);
    this.request = new RequestReader(cfg.needRequestBody, cfg.maxBodyBytes);
  }

  /** Makes this state a fresh one for a new request under `cfg`. */
  reset(cfg: StatsConfig): void {
    this.cfg = cfg;
    if (this.values.count == cfg.attributes.length) this.values.clear(cfg.valueLengthLimit);
    else this.values = new AttributeValues(cfg.attributes.length, cfg.valueLengthLimit);
    this.request.reset(cfg.needRequestBody, cfg.maxBodyBytes);
    const r = this.response;
    // A reader that saw a large body may hold large buffers: let it go.
    if (r !== null) this.spareResponse = r.bytes <= REUSE_MAX_BYTES ? r : null;
    this.response = null;
    this.startNanos = 0;
    this.firstByteNanos = 0;
    this.endNanos = 0;
    this.path = "";
    this.api = Api.Other;
    this.requestModel = "";
    this.route = "";
    this.cluster = "";
    this.consumer = "";
    this.provider = "";
    this.variant = "";
    this.sessionId = "";
    this.aiHeadersRead = false;
    this.status = 0;
    this.contentType = "";
    this.stream = false;
    this.responseEnded = false;
    this.codeDetails = "";
    this.reported = false;
  }

  /** The request is over: drops what may be large (body copies, attribute values) until reuse. */
  release(): void {
    this.values.clear(this.cfg.valueLengthLimit);
    this.request.copy = null;
    const r = this.response;
    if (r !== null) {
      if (r.bytes > REUSE_MAX_BYTES) this.response = null;
      else r.dropCopy();
    }
  }

  /** A response reader for this request (the spare one when there is one). */
  startResponse(stream: bool, builtins: BuiltinPaths): ResponseReader {
    let r = this.spareResponse;
    if (r !== null) {
      r.reset(stream, this.cfg, this.values, builtins);
      this.spareResponse = null;
    } else r = new ResponseReader(stream, this.cfg, this.values, builtins);
    this.response = r;
    return r;
  }

  /** Milliseconds from the request headers to `t` (0 when unknown). */
  msSinceStart(t: u64): i64 {
    if (t == 0 || t < this.startNanos) return 0;
    return <i64>((t - this.startNanos) / 1_000_000);
  }
}
