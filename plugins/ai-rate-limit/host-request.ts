// RequestView over the current stream's request headers and properties, read once per request
// in the headers phase (Envoy invalidates the request maps once a held stream is continued).
import { requestHeaders, getPropertyString } from "../../assembly";
import { RequestView } from "./select";
import { modelFromPath } from "./request-values";

export class HostRequest extends RequestView {
  private p: string = "";
  private m: string = "";
  private addr: string | null = null;
  /** from the body scan (estimate.ts); "" until the body was read */
  bodyModel: string = "";

  /** Reads the pseudo-headers; call in onRequestHeaders. */
  load(): void {
    const p = requestHeaders.get(":path");
    this.p = p === null ? "" : p;
    const m = requestHeaders.get(":method");
    this.m = m === null ? "" : m;
    this.addr = null;
    this.bodyModel = "";
  }

  header(name: string): string | null {
    return requestHeaders.get(name);
  }

  path(): string {
    return this.p;
  }

  method(): string {
    return this.m;
  }

  remoteAddress(): string {
    if (this.addr === null) {
      const a = getPropertyString(["source", "address"]);
      this.addr = a === null ? "" : a;
    }
    return this.addr!;
  }

  model(): string {
    if (this.bodyModel.length > 0) return this.bodyModel;
    return modelFromPath(this.p);
  }
}
