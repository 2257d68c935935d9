// RequestView over the current stream's request headers and properties. Each value is read from
// the host on first use (a request-count rule keyed by one header reads only that header); the
// stream reads everything it may need before it lets the headers go on (Envoy invalidates the
// request maps once a held stream is continued).
import { requestHeaders, getPropertyString } from "../../assembly";
import { RequestView } from "./select";
import { modelFromPath } from "./request-values";

export class HostRequest extends RequestView {
  private p: string | null = null;
  private m: string | null = null;
  private addr: string | null = null;
  /** from the body scan (estimate.ts); "" until the body was read */
  bodyModel: string = "";

  /** Reads the pseudo-headers now (call before the headers go on without a decision). */
  load(): void {
    this.path();
    this.method();
  }

  header(name: string): string | null {
    return requestHeaders.get(name);
  }

  path(): string {
    if (this.p === null) {
      const p = requestHeaders.get(":path");
      this.p = p === null ? "" : p;
    }
    return this.p!;
  }

  method(): string {
    if (this.m === null) {
      const m = requestHeaders.get(":method");
      this.m = m === null ? "" : m;
    }
    return this.m!;
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
    return modelFromPath(this.path());
  }
}
