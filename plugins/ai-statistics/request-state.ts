// Everything one request accumulates, as typed fields (no string-keyed bag). Filled by index.ts
// from the host; read by report.ts. Pure.
import { StatsConfig } from "./config";
import { Api } from "./request-info";
import { RequestReader } from "./request-reader";
import { ResponseReader } from "./response-reader";
import { AttributeValues } from "./attribute-values";

export class RequestState {
  cfg: StatsConfig;
  values: AttributeValues;
  request: RequestReader;
  response: ResponseReader | null = null;

  startNanos: u64 = 0;
  firstByteNanos: u64 = 0;
  endNanos: u64 = 0;

  path: string = "";
  api: Api = Api.Other;
  /** model named by the request (body `model`, else the Gemini path) */
  requestModel: string = "";
  requestStream: bool = false;

  route: string = "";
  cluster: string = "";
  consumer: string = "";
  provider: string = "";
  variant: string = "";
  sessionId: string = "";
  /** consumer/provider/variant/session were read at the response headers (request headers final) */
  aiHeadersRead: bool = false;

  status: i32 = 0;
  contentType: string = "";
  /** the response is an SSE stream */
  stream: bool = false;
  responseEnded: bool = false;
  /** response.code_details at the end ("" when unknown) */
  codeDetails: string = "";
  /** the metrics and the log were written */
  reported: bool = false;

  constructor(cfg: StatsConfig) {
    this.cfg = cfg;
    this.values = new AttributeValues(cfg.attributes.length, cfg.valueLengthLimit);
    this.request = new RequestReader(cfg.needRequestBody, cfg.maxBodyBytes);
  }

  /** Milliseconds from the request headers to `t` (0 when unknown). */
  msSinceStart(t: u64): i64 {
    if (t == 0 || t < this.startNanos) return 0;
    return <i64>((t - this.startNanos) / 1_000_000);
  }
}
