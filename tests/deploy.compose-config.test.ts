/**
 * docker-compose.yml and deploy/nginx.conf describe one deployment: every app replica is behind
 * the proxy, the replicas' live events go through the compose file's own NATS, and each replica
 * says when it is ready. Checked by reading both files (always) and by the Docker CLI's own
 * `compose config` where one is installed (the engine is not needed for it).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { NGINX_CONF } from './helpers/nginx.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMPOSE = new URL('../docker-compose.yml', import.meta.url);

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string };
  volumes?: string[];
}

/** `docker compose` (the plugin) or the older `docker-compose`, whichever answers. */
function composeCli(): string[] | null {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(command[0]!, [...command.slice(1), 'version'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return command;
  }
  return null;
}
const cli = composeCli();

async function load() {
  const compose = parse(await readFile(COMPOSE, 'utf8')) as { services: Record<string, Service> };
  const services = compose.services;
  // The replicas are the services built from this repository (the x-app anchor).
  const replicas = Object.entries(services).filter(([, service]) => service.build !== undefined);
  const upstream = /upstream parley \{([^}]*)\}/.exec(await readFile(NGINX_CONF, 'utf8'))?.[1] ?? '';
  const servers = [...upstream.matchAll(/^\s*server (\S+?)[\s;]/gm)].map((m) => m[1]);
  return { services, replicas, servers };
}

const dependsOn = (service: Service): string[] => (Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {}));

describe('docker-compose.yml with deploy/nginx.conf', () => {
  it('puts every app replica, and nothing else, in the proxy’s upstream, and the proxy after them', async () => {
    const { services, replicas, servers } = await load();
    expect(replicas.map(([name]) => name)).toEqual(['app1', 'app2', 'app3']);
    expect(servers.sort()).toEqual(replicas.map(([name]) => `${name}:${services[name]!.environment?.PORT}`).sort());
    const proxy = services.proxy!;
    expect(proxy.volumes).toContain('./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro');
    for (const [name] of replicas) expect(dependsOn(proxy)).toContain(name);
  });

  it('sends every replica’s live events through the compose file’s NATS, after it is up', async () => {
    const { services, replicas } = await load();
    const nats = services.nats;
    expect(nats?.image).toMatch(/^nats:2\.\d+/);
    for (const [name, replica] of replicas) {
      const bus = new URL(replica.environment?.PARLEY_BUS_URL ?? 'missing://');
      expect(bus.protocol, name).toBe('nats:');
      expect(bus.hostname, name).toBe('nats');
      expect(bus.port, name).toBe('4222');
      expect(dependsOn(replica), name).toContain('nats');
      // A bus needs PostgreSQL (config.ts refuses PARLEY_BUS_URL on the embedded database).
      expect(replica.environment?.DATABASE_URL, name).toMatch(/^postgres(ql)?:\/\/[^@]+@db:5432\//);
    }
  });

  it('asks every replica whether it is ready (database and broker), not only alive', async () => {
    const { replicas } = await load();
    for (const [name, replica] of replicas) {
      const test = replica.healthcheck?.test;
      expect([test].flat().join(' '), name).toContain('/api/health/ready');
    }
  });

  it.runIf(cli)('is valid for the Docker CLI (compose config)', () => {
    const run = spawnSync(cli![0]!, [...cli!.slice(1), '-f', fileURLToPath(COMPOSE), 'config', '-q'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  });
});
