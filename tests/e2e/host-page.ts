import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An organisation's website on another origin (another port): serves the given pages and
 * scripts, nothing else. The embed is tested from here as a real third-party page would use it.
 */
export async function startHostSite(
  files: Record<string, { type: string; body: string | (() => string) }>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://host').pathname;
    const file = files[path];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    res.end(typeof file.body === 'function' ? file.body() : file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
