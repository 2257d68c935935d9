#!/usr/bin/env node
// Builds the plugins for two hosts and checks that each module links there:
//   dist/<name>.wasm          plain Envoy: entry plugins/<name>/index.ts, marker proxy_abi_version_0_2_1
//   dist/higress/<name>.wasm  Higress: entry plugins/<name>/higress.ts if present (Higress-only code,
//                             e.g. Redis), else index.ts; marker proxy_abi_version_0_2_100
// Every build: asc release (-O3, incremental runtime, json-as transform, from asconfig.json), the SDK
// callbacks (assembly/abi/exports.ts) as an extra entry, env.abort / env.seed replaced by
// assembly/abort.ts. Output is deterministic (same sources, same bytes). Builds run in parallel.
// Usage:
//   node scripts/build.mjs [name...]                    all (or the named) plugins, both targets
//   node scripts/build.mjs --entry <file.ts> --out <file.wasm> [--higress]   one module (tests)
//   options: --jobs N (default: CPU count, max 4), --no-check, --quiet,
//            --plugins <dir> (default plugins), --dist <dir> (default dist)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFile } from './abi-check.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASC = join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');

const TARGETS = {
  envoy: { marker: 'assembly/abi/version-0_2_1.ts', extra: [] },
  higress: { marker: 'assembly/abi/version-0_2_100.ts', extra: ['assembly/abi/exports-higress.ts'] },
};

function parseArgs(argv) {
  const opts = { names: [], entry: null, out: null, higress: false, jobs: Math.min(4, availableParallelism()), check: true, quiet: false, plugins: 'plugins', dist: 'dist' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--entry') opts.entry = argv[++i];
    else if (a === '--out') opts.out = argv[++i];
    else if (a === '--higress') opts.higress = true;
    else if (a === '--jobs') opts.jobs = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '--no-check') opts.check = false;
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--plugins') opts.plugins = argv[++i];
    else if (a === '--dist') opts.dist = argv[++i];
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opts.names.push(a);
  }
  if ((opts.entry === null) !== (opts.out === null)) throw new Error('--entry and --out go together');
  return opts;
}

/** The asc arguments for one module (paths relative to the repository root). */
export function ascArgs(entry, out, target) {
  const t = TARGETS[target];
  return [
    entry, 'assembly/abi/exports.ts', t.marker, ...t.extra,
    '--config', 'asconfig.json', '--target', 'release',
    '--use', 'abort=assembly/abort/onAbort',
    '--use', 'seed=assembly/abort/seedFromClock',
    // json-as reserves a 1 MiB string-cache arena at start-up unless told its size (the cache is
    // off): without this every VM starts at 19 pages of linear memory instead of 1-2.
    '--use', 'JSON_CACHE_SIZE=128',
    '--outFile', out,
  ];
}

/** Runs asc in a child process (so builds use several cores); resolves with { code, output }. */
function runAsc(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [ASC, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('close', (code) => done({ code, output }));
  });
}

/** Only the ERROR blocks of asc's output (json-as prints many warnings). */
function errorsOf(output) {
  const blocks = output.split(/\n(?=\S)/);
  const errors = blocks.filter((b) => /^ERROR|error/i.test(b) && !/^WARNING/.test(b));
  return (errors.length ? errors : [output]).join('\n').trim();
}

async function buildOne(job) {
  const outAbs = join(ROOT, job.out);
  mkdirSync(dirname(outAbs), { recursive: true });
  const tmp = `${job.out}.tmp-${process.pid}`;
  const started = Date.now();
  const { code, output } = await runAsc(ascArgs(job.entry, tmp, job.target));
  if (code !== 0 || !existsSync(join(ROOT, tmp))) {
    rmSync(join(ROOT, tmp), { force: true });
    return { ...job, ok: false, message: errorsOf(output) };
  }
  renameSync(join(ROOT, tmp), outAbs); // never leave a half-written module in dist/
  return { ...job, ok: true, ms: Date.now() - started, size: statSync(outAbs).size };
}

/** Runs jobs with at most `limit` at a time, keeping results in job order. */
async function runAll(jobs, limit) {
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await buildOne(jobs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

function pluginJobs(names, pluginsDir, distDir) {
  const pluginsRel = relative(ROOT, resolve(pluginsDir));
  const distRel = relative(ROOT, resolve(distDir));
  const dir = join(ROOT, pluginsRel);
  const all = existsSync(dir)
    ? readdirSync(dir).filter((n) => existsSync(join(dir, n, 'index.ts'))).sort()
    : [];
  for (const n of names) if (!all.includes(n)) throw new Error(`no ${pluginsRel}/${n}/index.ts`);
  const chosen = names.length ? names : all;
  const jobs = [];
  for (const name of chosen) {
    const higressEntry = existsSync(join(dir, name, 'higress.ts')) ? 'higress.ts' : 'index.ts';
    jobs.push({ name, target: 'envoy', entry: join(pluginsRel, name, 'index.ts'), out: join(distRel, `${name}.wasm`) });
    jobs.push({ name, target: 'higress', entry: join(pluginsRel, name, higressEntry), out: join(distRel, 'higress', `${name}.wasm`) });
  }
  return jobs;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

export async function main(argv) {
  const opts = parseArgs(argv);
  let jobs;
  if (opts.entry) {
    const entry = relative(ROOT, resolve(opts.entry));
    if (!existsSync(join(ROOT, entry))) throw new Error(`entry ${opts.entry} not found`);
    jobs = [{ name: entry, target: opts.higress ? 'higress' : 'envoy', entry, out: relative(ROOT, resolve(opts.out)) }];
  } else {
    jobs = pluginJobs(opts.names, opts.plugins, opts.dist);
    if (jobs.length === 0) {
      console.log(`build: no ${relative(ROOT, resolve(opts.plugins))}/<name>/index.ts yet; nothing to build`);
      return 0;
    }
  }
  const results = await runAll(jobs, opts.jobs);
  let failed = 0;
  for (const r of results) {
    if (!r.ok) {
      failed++;
      console.error(`build: ${r.out} (${r.target}) FAILED\n${r.message}`);
      continue;
    }
    if (!opts.quiet) console.log(`build: ${r.out.padEnd(34)} ${kb(r.size).padStart(9)}  ${r.target.padEnd(7)} ${r.ms} ms`);
    if (opts.check && !checkFile(join(ROOT, r.out), { higress: r.target === 'higress' })) failed++;
  }
  if (failed) console.error(`build: ${failed} problem(s)`);
  return failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(`build: ${e.message}`);
    process.exit(2);
  });
}
