// Command: npx tsx registry/main.ts -c registry.yaml   (or flags, see README.md)
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { Bridge } from "./bridge.ts";
import { buildConfig, flagsToDoc } from "./config.ts";
import type { Log } from "./types.ts";

const LEVELS = ["debug", "info", "warn", "error"] as const;

function main(argv: string[]): void {
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write("usage: registry/main.ts -c registry.yaml [--out-dir DIR] [--nacos URL --nacos-service svc@group@ns ...] [--eureka URL --eureka-app APP ...] [-l debug|info|warn|error] [--once]\nsee registry/README.md\n");
    return;
  }
  // First pass only to find -c; flags then override the file's top-level values.
  const first = flagsToDoc(argv);
  let base: Record<string, unknown> = {};
  if (first.configPath) {
    try {
      const d = parseYaml(fs.readFileSync(first.configPath, "utf8"));
      base = typeof d === "object" && d !== null ? d : {};
    } catch (e) {
      process.stderr.write(`registry: ${first.configPath}: ${(e as Error).message.split("\n")[0]}\n`);
      process.exit(1);
    }
  }
  const { doc, logLevel, once, errors: flagErrors } = flagsToDoc(argv, base);
  const min = LEVELS.indexOf((logLevel ?? "info") as (typeof LEVELS)[number]);
  if (min < 0) flagErrors.push(`--log-level: one of ${LEVELS.join(", ")}`);
  const log: Log = (level, msg) => {
    if (LEVELS.indexOf(level) >= min) process.stderr.write(`${new Date().toISOString()} ${level} registry: ${msg}\n`);
  };
  const { config, errors } = flagErrors.length ? { config: undefined, errors: flagErrors } : buildConfig(doc, log);
  if (!config) {
    for (const e of errors) process.stderr.write(`registry: ${e}\n`);
    process.exit(1);
  }
  const bridge = new Bridge({ outDir: config.outDir, sources: config.sources, catalogs: config.catalogs, log });
  bridge.start().then(
    async () => {
      log("info", `writing ${bridge.status().length} cluster file(s) into ${config.outDir}`);
      if (once) await bridge.stop();
    },
    (e) => {
      log("error", (e as Error).message);
      process.exit(1);
    },
  );
  const quit = () => bridge.stop().then(() => process.exit(0));
  process.on("SIGINT", quit);
  process.on("SIGTERM", quit);
}

main(process.argv.slice(2));
