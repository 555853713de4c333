/** Ports for processes that listen later (dev clusters, tests), chosen so nothing else takes them first. */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * A free port for a node to listen on later. Taken from below the kernel's ephemeral range, so
 * that a port-0 listener or an outgoing connection elsewhere on the machine (another test, a
 * client) cannot take it between this check and the node's bind; with no such room, port 0.
 */
export async function freePort(): Promise<number> {
  const low = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .then((text) => Number(text.trim().split(/\s+/)[0]))
    .catch(() => NaN);
  const floor = 10_000;
  if (Number.isInteger(low) && low - floor >= 1000) {
    for (let attempt = 0; attempt < 64; attempt++) {
      const port = floor + (randomBytes(4).readUInt32BE(0) % (low - floor));
      if (await canListen(port)) return port;
    }
  }
  return listenOnce(0);
}

function canListen(port: number): Promise<boolean> {
  return listenOnce(port).then(
    () => true,
    () => false,
  );
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      const bound = (s.address() as { port: number }).port;
      s.close(() => resolvePort(bound));
    });
  });
}
