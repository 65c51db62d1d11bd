/**
 * The live ceiling: a bare `ws` WebSocketServer (no Fastify, no database) in a process of its own,
 * started by bench/live.ts. Clients connect to `/` or `/?g=<group>` (group 0 by default); a control
 * socket at `/control` sends `go <id> [group]`, and the server broadcasts one ~500-byte event to every
 * client of that group, the same string to each (as Parley's hub does), then answers
 * `sent <id> <stamp>` where stamp is CLOCK_MONOTONIC in ms (process.hrtime), read right before the
 * send loop. Each group has its own seq, +1 per broadcast, like a Parley channel.
 * Options mirror Parley's: no compression, 4 KB max payload from clients.
 */
import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const PAD = 'x'.repeat(400);

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 4096 });
const groups = new Map<number, { clients: Set<WebSocket>; seq: number }>();

wss.on('connection', (ws, req) => {
  if (req.url === '/control') {
    ws.on('message', (data: Buffer) => {
      const [cmd, idText, groupText] = data.toString().split(' ');
      if (cmd !== 'go') return;
      const id = Number(idText);
      const stamp = now();
      const group = groups.get(Number(groupText ?? 0));
      if (group) {
        const seq = ++group.seq;
        // The shape Parley's hub sends (type, channel, seq, event, data.id first), padded to ~500 bytes.
        const text = `{"type":"event","channel":"bare:${groupText ?? 0}","seq":${seq},"event":"broadcast","data":{"id":${id},"pad":"${PAD}"}}`;
        for (const c of group.clients) if (c.readyState === WebSocket.OPEN) c.send(text);
      }
      ws.send(`sent ${id} ${stamp}`);
    });
    return;
  }
  const g = Number(new URL(req.url ?? '/', 'ws://x').searchParams.get('g') ?? 0);
  let group = groups.get(g);
  if (!group) groups.set(g, (group = { clients: new Set(), seq: 0 }));
  const clients = group.clients;
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => clients.delete(ws));
});

wss.on('listening', () => {
  process.send?.({ type: 'ready', port: (wss.address() as AddressInfo).port });
});

process.on('disconnect', () => {
  for (const g of groups.values()) for (const c of g.clients) c.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
