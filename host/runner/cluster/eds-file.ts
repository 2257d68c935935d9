// File-based EDS (path_config_source): the file holds a DiscoveryResponse whose resources are
// ClusterLoadAssignments; the one named like the cluster (eds_cluster_config.service_name, else
// the cluster name) gives the endpoints. Like Envoy, the file is re-read only when something is
// renamed onto it (write elsewhere, then mv), and an update that does not parse is rejected while
// the last good endpoints stay in place.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { Fields, isObj, Problems } from "../config/reader.ts";
import { readLoadAssignment } from "../config/endpoints.ts";
import type { EndpointSpec } from "../config/types.ts";

const CLA = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

export type EdsParse =
  | { kind: "endpoints"; endpoints: EndpointSpec[]; version: string }
  | { kind: "empty" } // no resource for this cluster (Envoy counts update_empty, keeps hosts)
  | { kind: "rejected"; errors: string[] };

export function parseEdsFile(text: string, serviceName: string, file: string): EdsParse {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    return { kind: "rejected", errors: [`${file}: ${(e as Error).message.split("\n")[0]}`] };
  }
  if (!isObj(doc)) return { kind: "rejected", errors: [`${file}: expected a DiscoveryResponse mapping`] };
  const problems = new Problems();
  const root = new Fields(problems, file, doc);
  const version = root.str("version_info");
  for (const ignored of ["type_url", "nonce", "canary", "control_plane"]) root.ignore(ignored);
  const matches: EndpointSpec[][] = [];
  for (const { f } of root.messages("resources")) {
    const type = f.str("@type");
    if (type !== CLA) {
      problems.add(f.at("@type"), `expected ${CLA}`);
      continue;
    }
    const la = readLoadAssignment(f, true);
    if (la.clusterName === serviceName) matches.push(la.endpoints);
  }
  root.done();
  if (!problems.ok) return { kind: "rejected", errors: problems.list };
  if (matches.length > 1) return { kind: "rejected", errors: [`${file}: ${matches.length} ClusterLoadAssignments for ${serviceName}`] };
  if (matches.length === 0) return { kind: "empty" };
  return { kind: "endpoints", endpoints: matches[0], version };
}

/** Watches the file's directory and calls `onMoved` when something is renamed onto the file. */
export function watchMovedTo(file: string, onMoved: () => void): () => void {
  const base = path.basename(file);
  let timer: NodeJS.Timeout | null = null;
  const watcher = fs.watch(path.dirname(file), { persistent: false }, (event, name) => {
    if (event !== "rename" || name !== base) return;
    // One mv can raise more than one event; read once they settle.
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (fs.existsSync(file)) onMoved();
    }, 20);
  });
  watcher.on("error", () => {});
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
