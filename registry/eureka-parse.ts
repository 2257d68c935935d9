// Pure parsing of Eureka's JSON application answers, including the legacy forms: single-object
// `application` / `instance` (before Eureka PR #642) and string ports (`"$":"8080"`, 1.2.1 and older).
// Only status UP with port @enabled "true" is kept; metadata's `@class` marker is dropped.
import { envoyWeight, stringMetadata } from "./nacos-parse.ts";
import type { Instance } from "./types.ts";

export type EurekaParse =
  | { kind: "ok"; name: string; instances: Instance[]; dropped: number }
  | { kind: "error"; error: string };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** `{"$":8080,"@enabled":"true"}` or `{"$":"8080",...}`; a bare number is accepted too. */
function portOf(p: unknown): { port: number; enabled: boolean } | string {
  if (typeof p === "number") return { port: p, enabled: true };
  if (!isObj(p)) return "expected an object";
  const raw = p["$"];
  const port = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return "$: expected 1-65535";
  const en = p["@enabled"];
  return { port, enabled: en === undefined || en === "true" || en === true };
}

/** Parses one application object (`{"name":..., "instance":[...]}`). */
export function parseEurekaApplication(app: unknown, where: string, weightKey: string): EurekaParse {
  if (!isObj(app)) return { kind: "error", error: `${where}: expected an object` };
  const name = typeof app.name === "string" ? app.name : "";
  const instances: Instance[] = [];
  let dropped = 0;
  const all = list(app.instance);
  for (let i = 0; i < all.length; i++) {
    const inst = all[i];
    const at = `${where}.instance[${i}]`;
    if (!isObj(inst)) return { kind: "error", error: `${at}: expected an object` };
    const addr = typeof inst.ipAddr === "string" && inst.ipAddr !== "" ? inst.ipAddr : typeof inst.hostName === "string" ? inst.hostName : "";
    if (addr === "") return { kind: "error", error: `${at}.ipAddr: expected a non-empty string` };
    const port = portOf(inst.port);
    if (typeof port === "string") return { kind: "error", error: `${at}.port: ${port}` };
    if (inst.status !== "UP" || !port.enabled) {
      dropped++;
      continue;
    }
    const metadata = stringMetadata(inst.metadata);
    delete metadata["@class"];
    // Eureka has no weights; Spring Cloud LoadBalancer's weighted chooser reads metadata "weight".
    let weight = 1;
    if (weightKey && metadata[weightKey] !== undefined) {
      const w = Number(metadata[weightKey]);
      if (Number.isFinite(w)) {
        if (w <= 0) {
          dropped++;
          continue;
        }
        weight = envoyWeight(w);
      }
    }
    const origin: Record<string, string> = { registry: "eureka", app: name || (typeof inst.app === "string" ? inst.app : "") };
    if (typeof inst.instanceId === "string") origin.instance_id = inst.instanceId;
    instances.push({ address: addr.replace(/^\[(.*)\]$/, "$1"), port: port.port, weight, metadata, origin });
  }
  return { kind: "ok", name, instances, dropped };
}

/** Body of `GET /eureka/apps/{APP}`: `{"application":{...}}`. */
export function parseEurekaAppBody(body: string, weightKey: string): EurekaParse {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { kind: "error", error: body.trimStart().startsWith("<") ? "got XML, expected JSON" : "not JSON" };
  }
  if (!isObj(doc)) return { kind: "error", error: "expected a JSON object" };
  return parseEurekaApplication(doc.application, "application", weightKey);
}
