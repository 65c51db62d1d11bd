/**
 * The server as production runs it, for the benches that spawn servers (bench/live.ts): the
 * compiled entry point dist/app/server/main.js with the node options of `npm start`, built first
 * when missing or older than its sources. No TypeScript loader in the server process: what is
 * measured (memory above all) is what `npm start` and the image run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const COMPILED_ENTRY = 'dist/app/server/main.js';
/** What the compiled server is made of: a change in any of these makes the build stale. */
const SOURCES = ['server', 'db', 'locales', 'migrations', 'web/src/lib', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds the server (npm run build:server) unless dist/app is newer than every source; the seconds spent. */
export function ensureCompiledServer(log: (msg: string) => void): number {
  const entry = join(ROOT, COMPILED_ENTRY);
  const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
  const sources = Math.max(
    ...SOURCES.map((s) => join(ROOT, s))
      .filter(existsSync)
      .map(newestMtime),
  );
  if (built > sources) return 0;
  const t0 = performance.now();
  log(built ? 'compiled server older than its sources: npm run build:server' : 'no compiled server yet: npm run build:server');
  execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return (performance.now() - t0) / 1000;
}

/** The node options `npm start` gives the server (package.json), so the bench runs it with the same heap settings. */
export function startNodeOptions(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const start = pkg.scripts.start ?? '';
  const m = new RegExp(`\\bnode((?:\\s+--\\S+)*)\\s+${COMPILED_ENTRY.replace(/[.]/g, '\\.')}`).exec(start);
  if (!m) throw new Error(`package.json's start script does not run node ${COMPILED_ENTRY}: ${start}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

let probeUrl: string | null = null;

/** bench/live-probe.ts as plain JavaScript in a temporary file (the server has no TypeScript loader); its file: URL for --import. */
export function probeModule(): string {
  if (probeUrl) return probeUrl;
  const source = readFileSync(fileURLToPath(new URL('./live-probe.ts', import.meta.url)), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const file = join(tmpdir(), `parley-live-probe-${process.pid}.mjs`);
  writeFileSync(file, outputText);
  process.once('exit', () => rmSync(file, { force: true }));
  probeUrl = pathToFileURL(file).href;
  return probeUrl;
}
