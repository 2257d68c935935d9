// envoy.yaml -> BootstrapSpec. Loads YAML, walks the supported subset (see README.md) and
// returns every problem found, each naming its field path.
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { Fields, isObj, Problems } from "./config/reader.ts";
import { readListener, readSocketAddress } from "./config/listener.ts";
import { readCluster } from "./config/cluster.ts";
import { readStatsConfig } from "./config/stats.ts";
import type { BootstrapSpec, ClusterSpec, ListenerSpec } from "./config/types.ts";

export type BootstrapResult = { ok: true; spec: BootstrapSpec } | { ok: false; errors: string[] };

/**
 * `baseDir` is where relative paths (wasm code, EDS files) resolve from; Envoy resolves them from
 * its working directory, so the CLI passes process.cwd().
 */
export function parseBootstrap(text: string, baseDir: string): BootstrapResult {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    return { ok: false, errors: [`(yaml): ${(e as Error).message.split("\n")[0]}`] };
  }
  const problems = new Problems();
  if (doc === null || doc === undefined) doc = {};
  if (!isObj(doc)) return { ok: false, errors: ["(root): expected a mapping"] };
  const root = new Fields(problems, "", doc);

  root.ignore("node"); // identity only; nothing in the runner depends on it
  root.durationMs("stats_flush_interval", 5000); // histograms are merged on every read here

  const listeners: ListenerSpec[] = [];
  const clusters: ClusterSpec[] = [];
  const sr = root.message("static_resources");
  if (sr) {
    for (const { f } of sr.messages("listeners")) {
      const l = readListener(f, baseDir);
      if (l) listeners.push(l);
    }
    for (const { f } of sr.messages("clusters")) {
      const c = readCluster(f, baseDir);
      if (c) clusters.push(c);
    }
    sr.done();
  }
  checkNames(problems, listeners, clusters);

  let admin: BootstrapSpec["admin"] = null;
  const a = root.message("admin");
  if (a) {
    const addr = a.message("address");
    if (addr) admin = readSocketAddress(addr);
    else a.problems.add(a.at("address"), "required");
    a.done();
  }
  const stats = readStatsConfig(root.message("stats_config"));
  root.done();

  if (!problems.ok) return { ok: false, errors: problems.list };
  return { ok: true, spec: { listeners, clusters, admin, stats } };
}

export function loadBootstrapFile(file: string, baseDir: string): BootstrapResult {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    return { ok: false, errors: [`${file}: ${(e as Error).message}`] };
  }
  return parseBootstrap(text, baseDir);
}

function checkNames(problems: Problems, listeners: ListenerSpec[], clusters: ClusterSpec[]): void {
  const seen = new Set<string>();
  for (const c of clusters) {
    if (seen.has(c.name)) problems.add(`${c.path}.name`, `duplicate cluster name ${c.name}`);
    seen.add(c.name);
  }
  const ls = new Set<string>();
  listeners.forEach((l, i) => {
    if (ls.has(l.name)) problems.add(`static_resources.listeners[${i}].name`, `duplicate listener name ${l.name}`);
    ls.add(l.name);
  });
  // Envoy checks static route targets against static clusters at load time.
  listeners.forEach((l, i) => {
    l.hcm.routeConfig.virtualHosts.forEach((vh, v) =>
      vh.routes.forEach((r, k) => {
        const c = r.route?.cluster;
        if (c !== undefined && !seen.has(c))
          problems.add(
            `static_resources.listeners[${i}].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[${v}].routes[${k}].route.cluster`,
            `unknown cluster ${c}`,
          );
      }),
    );
  });
}
