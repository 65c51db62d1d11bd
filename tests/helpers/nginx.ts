/**
 * deploy/nginx.conf, as the compose file mounts it, run in Debian's nginx without Docker: only the
 * upstream's addresses (the compose service names become 127.0.0.1 ports) and the listen port
 * change. Used by the tests of the config, the cluster test and `npm run demo:cluster`, so it must
 * not import vitest.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX_CONF = new URL('../../deploy/nginx.conf', import.meta.url);

/** The response header `upstreamHeader` adds: which replica answered (`127.0.0.1:port`, the last one tried). */
export const UPSTREAM_HEADER = 'x-parley-upstream';

export const nginxInstalled = (): boolean => spawnSync('nginx', ['-v']).error === undefined;

export interface NginxOptions {
  /** `host:port` of each replica, in place of the compose file's service names. */
  upstreams: string[];
  /** Where nginx listens on 127.0.0.1; a free port when absent. */
  port?: number;
  /**
   * Adds a response header naming the replica that answered, at the http level of the wrapping
   * nginx.conf (the site's own file stays as it is; it sets no add_header, so it inherits this one).
   */
  upstreamHeader?: boolean;
}

export interface RunningNginx {
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  dir: string;
  pid: number;
  /** The site configuration as nginx runs it. */
  site: string;
  stop: () => Promise<void>;
}

/**
 * The site file with only the replicas' addresses and the listen port replaced. Each server line
 * keeps its own parameters (max_fails, fail_timeout); more upstreams than lines repeat the last
 * line's. Throws when the file has no upstream of server lines to replace, so a changed layout
 * fails loudly instead of proxying somewhere unexpected.
 */
export function siteForTest(conf: string, upstreams: string[], port: number): string {
  const block = /(upstream parley \{\n)((?:[ \t]*server [^\n]*\n)+)/.exec(conf);
  if (!block) throw new Error('deploy/nginx.conf: no "upstream parley" block starting with server lines');
  if (upstreams.length === 0) throw new Error('at least one upstream is needed');
  const lines = block[2]!.trimEnd().split('\n');
  const params = lines.map((line) => /^\s*server \S+?(\s[^;]*)?;/.exec(line)?.[1] ?? '');
  const servers = upstreams.map((address, i) => `  server ${address}${params[Math.min(i, params.length - 1)]};\n`).join('');
  const site = conf.replace(block[0], block[1]! + servers);
  if (!/^\s*listen 80;$/m.test(site)) throw new Error('deploy/nginx.conf: no "listen 80;" line');
  return site.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`);
}

export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'parley-nginx-'));
  const site = siteForTest(await readFile(NGINX_CONF, 'utf8'), options.upstreams, port);
  await writeFile(join(dir, 'site.conf'), site);
  await writeFile(
    join(dir, 'nginx.conf'),
    // Started as root, nginx's workers would run as nobody, who may not write the temp files here.
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
      `  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n` +
      (options.upstreamHeader ? `  add_header ${UPSTREAM_HEADER} $upstream_addr always;\n` : '') +
      `  include ${dir}/site.conf;\n}\n`,
  );
  const check = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  if (check.error) throw new Error(`nginx could not be run: ${check.error.message} (Debian: apt-get install nginx-light)`);
  if (check.status !== 0) throw new Error(`nginx refused the configuration:\n${check.stderr}`);
  const proc = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(base, proc);
  } catch (err) {
    await stopNginx(proc);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    base,
    dir,
    pid: proc.pid!,
    site,
    stop: async () => {
      await stopNginx(proc);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * SIGQUIT lets requests finish, but it waits for open WebSockets too (proxy_read_timeout is an
 * hour), so after a moment SIGTERM closes them. Never SIGKILL: the master's workers would outlive it.
 */
async function stopNginx(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGQUIT');
  const quit = await Promise.race([exited.then(() => true), sleep(2000).then(() => false)]);
  if (!quit) {
    proc.kill('SIGTERM');
    await exited;
  }
}

async function waitForHttp(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`nginx exited (code ${proc.exitCode}) before answering at ${url}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`nginx did not answer at ${url}`);
}

/** A port free right now on 127.0.0.1 (the OS hands out another one next time). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
