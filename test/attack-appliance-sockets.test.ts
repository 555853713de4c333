/**
 * Adversarial review: the per-uid socket directories (client/appliance-server.ts start()).
 *
 * A1  The allowed uid owns DIR/uid-<uid>/ (by design). Between bind() and
 *     `chown(path, uid)` / `chmod(path, 0o600)` (both follow symlinks) it can replace its
 *     appliance.sock with a symlink to any file: root then chowns that file to the uid.
 *     The attacker runs as uid 1000 in its own process, polling its directory.
 * A2  A socket directory that already exists, owned by another (non-root) uid, is accepted:
 *     its owner can later swap uid-<uid>/ for its own directory and impersonate the appliance.
 * A3  (resisted) another uid cannot connect to uid 1000's socket, nor list DIR.
 *
 * Real appliance server (no cluster needed to bind: the client is never called here except A3's
 * health check), real processes under other uids. Runs as root.
 */
import { spawn } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevCluster } from '../cli/dev-cluster.js';
import { ApplianceServer, socketPathFor } from '../client/appliance-server.js';
import { connect, type SplitkeyClient } from '../client/client.js';

const IS_ROOT = process.getuid?.() === 0;
const ATTACKER = 1000;
const STRANGER = 65534;

let dir: string;
let cluster: DevCluster;
const clients: SplitkeyClient[] = [];

const mkClient = async () => {
  const c = await connect({
    cluster: cluster.env.SPLITKEY_CLUSTER,
    ca: cluster.env.SPLITKEY_CA,
    cert: cluster.env.SPLITKEY_CERT,
    key: cluster.env.SPLITKEY_KEY,
    master: cluster.env.SPLITKEY_MASTER,
    masterUnlock: { key: Buffer.from(cluster.env.SPLITKEY_MASTER_KEY!, 'hex') },
  });
  clients.push(c);
  return c;
};

function run(cmd: string, args: string[], uid: number, onChild?: (c: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { uid, gid: uid, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  onChild?.(child);
  return new Promise((res, rej) => {
    child.once('error', rej);
    child.once('close', (code) => res({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  if (!IS_ROOT) return;
  dir = await mkdtemp(join(tmpdir(), 'splitkey-attack-sockets-'));
  await chmod(dir, 0o755); // like /run: others may traverse
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
  await cluster.start();
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!IS_ROOT)('attack: per-uid socket directories', () => {
  it('A1: the allowed uid cannot make root chown an arbitrary file by swapping its socket for a symlink after bind()', async () => {
    const socketDir = join(dir, 'run-a1');
    // The "victim" file: root-owned, in a directory uid 1000 cannot even enter (think /etc/shadow).
    const vault = join(dir, 'vault');
    await mkdir(vault, { mode: 0o700 });
    const target = join(vault, 'shadow');
    await writeFile(target, 'root:$6$secret:...\n', { mode: 0o600 });
    // First start: the uid's directory appears (owned by uid 1000, as designed).
    const first = new ApplianceServer(await mkClient(), { socketDir, allowUids: [ATTACKER] });
    await first.start();
    await first.stop(100);
    const udir = join(socketDir, `uid-${ATTACKER}`);
    const sock = socketPathFor(socketDir, ATTACKER);
    // The attacker (uid 1000) polls its own directory; whenever a fresh socket shows up it renames
    // a prepared symlink over it (it owns the directory, so it may).
    const attackerJs = `
      const fs = require('fs'); const path = require('path');
      const udir = ${JSON.stringify(udir)}, sock = ${JSON.stringify(sock)}, target = ${JSON.stringify(target)};
      const link = path.join(udir, '.l');
      const end = Date.now() + 25000; let swaps = 0;
      while (Date.now() < end) {
        try { fs.lstatSync(link); } catch { try { fs.symlinkSync(target, link); } catch {} }
        let st; try { st = fs.lstatSync(sock); } catch { continue; }
        if (st.isSocket()) { try { fs.renameSync(link, sock); swaps++; } catch {} }
        try { if (fs.statSync(target).uid === process.getuid()) { console.log('OWNED after ' + swaps + ' swaps'); process.exit(0); } } catch {}
      }
      console.log('gave up after ' + swaps + ' swaps');
    `;
    let attackerProc: ReturnType<typeof spawn> | undefined;
    const attacker = run(process.execPath, ['-e', attackerJs], ATTACKER, (c) => (attackerProc = c));
    await new Promise((r) => setTimeout(r, 300));
    // The appliance is restarted now and then (reboot, upgrade, crash, config change).
    let restarts = 0;
    let owned = false;
    for (; restarts < 150 && !owned; restarts++) {
      const s = new ApplianceServer(clients[0]!, { socketDir, allowUids: [ATTACKER] });
      try {
        await s.start();
      } catch {
        // a lost race may also just fail the start (EADDRINUSE etc.): also a denial of service
      }
      await Promise.all((s as unknown as { servers: { forceShutdown(): void }[] }).servers.map((g) => g.forceShutdown()));
      owned = (await stat(target)).uid === ATTACKER;
    }
    attackerProc?.kill('SIGTERM'); // only the process this test started
    const out = await attacker;
    const st = await stat(target);
    console.log(`A1: ${restarts} restarts; attacker says: ${out.stdout.trim()}; target uid ${st.uid} mode ${(st.mode & 0o777).toString(8)}`);
    expect(st.uid).toBe(0);
  }, 90_000);

  it('A2: a pre-existing socket directory owned by another non-root uid is refused', async () => {
    const socketDir = join(dir, 'run-a2');
    await mkdir(socketDir, { mode: 0o777 });
    await chown(socketDir, STRANGER, STRANGER); // e.g. created first by a local user under /tmp or a shared runtime dir
    const s = new ApplianceServer(await mkClient(), { socketDir, allowUids: [ATTACKER] });
    let started = false;
    try {
      await s.start();
      started = true;
    } catch {
      // refused: secure
    } finally {
      await s.stop(100).catch(() => undefined);
    }
    const st = await lstat(socketDir);
    console.log(`A2: started=${started}; DIR owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}`);
    // Its owner may chmod it back and rename uid-1000/ to plant its own socket for uid 1000's callers.
    expect(started).toBe(false);
  }, 30_000);

  it('A4: a directory the uid planted at its socket path does not keep the appliance from starting', async () => {
    const socketDir = join(dir, 'run-a4');
    const first = new ApplianceServer(await mkClient(), { socketDir, allowUids: [ATTACKER] });
    await first.start();
    await first.stop(100);
    const sock = socketPathFor(socketDir, ATTACKER);
    await rm(sock, { force: true });
    await mkdir(sock); // as the uid could (it owns the directory)
    await chown(sock, ATTACKER, ATTACKER);
    const s = new ApplianceServer(await mkClient(), { socketDir, allowUids: [ATTACKER] });
    try {
      await s.start();
      expect((await lstat(sock)).isSocket()).toBe(true);
      const udir = await lstat(join(socketDir, `uid-${ATTACKER}`));
      expect([udir.uid, udir.mode & 0o777]).toEqual([ATTACKER, 0o700]);
    } finally {
      await s.stop(100);
    }
  }, 30_000);

  it('A3 (resisted): another uid can neither connect to uid 1000\'s socket nor list the socket directory', async () => {
    const socketDir = join(dir, 'run-a3');
    const s = new ApplianceServer(await mkClient(), { socketDir, allowUids: [ATTACKER] });
    await s.start();
    try {
      const py = `import socket,sys,os
s=socket.socket(socket.AF_UNIX)
try:
  s.connect(sys.argv[1]); print("connected")
except OSError as e: print(type(e).__name__)
try:
  print(os.listdir(sys.argv[2]))
except OSError as e: print(type(e).__name__)`;
      const r = await run('/usr/bin/python3', ['-c', py, socketPathFor(socketDir, ATTACKER), socketDir], STRANGER);
      expect(r.stdout.trim().split('\n')).toEqual(['PermissionError', 'PermissionError']);
      const own = await run('/usr/bin/python3', ['-c', py, socketPathFor(socketDir, ATTACKER), socketDir], ATTACKER);
      expect(own.stdout.trim().split('\n')[0]).toBe('connected');
    } finally {
      await s.stop(100);
    }
  }, 30_000);
});
