/**
 * The node image, built from deploy/Dockerfile and run with podman — opt-in: it takes minutes
 * (a debootstrap base, `npm ci` and `tsc` inside the build), more than CI's budget allows.
 *
 *   SPLITKEY_PODMAN_TEST=1 npx vitest run test/podman-image.test.ts
 *
 * Needs root, podman, runc and debootstrap (apt-get install podman runc debootstrap). No image is
 * pulled from a registry: the base is `debootstrap --variant=minbase bookworm` plus this
 * machine's `node` binary, its C headers and npm, imported as
 * localhost/splitkey-base:minbase-headers (kept for the next run; SPLITKEY_PODMAN_ROOTFS=DIR
 * reuses a debootstrap tree). Containers run with `--runtime runc` and explicit `--ulimit
 * nofile/nproc` (this machine's defaults do not suit the OCI runtime otherwise). What it
 * checks: the image builds from a configurable base, a node starts in it from its unchanged
 * `cluster init` bundle mounted read-only at /etc/splitkey as uid 10001, it runs the native group
 * backend (libdecaf), the exec probe passes inside the container, SIGHUP reloads its TLS files,
 * and `podman stop` (SIGTERM) ends it cleanly with exit code 0.
 *
 * Without the variable, test/topology.test.ts still checks the same entrypoint, probe and file
 * layout outside a container.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCluster } from '../cli/topology/bundle.js';
import { parseTopology } from '../cli/topology/topology.js';

const BASE = 'localhost/splitkey-base:minbase-headers';
const IMAGE = 'localhost/splitkey:podman-test';
/** Explicit limits no higher than this process's hard limits (runc may not raise them: EPERM). */
function limit(flag: 'n' | 'u', want: number): string {
  const hard = execFileSync('bash', ['-c', `ulimit -H${flag}`], { encoding: 'utf8' }).trim();
  const n = hard === 'unlimited' ? want : Math.min(want, Number(hard));
  return `${n}:${n}`;
}
const runFlags = () => ['--runtime', 'runc', '--ulimit', `nofile=${limit('n', 65536)}`, '--ulimit', `nproc=${limit('u', 4096)}`];

function unavailable(): string | undefined {
  if (process.env.SPLITKEY_PODMAN_TEST !== '1') return 'set SPLITKEY_PODMAN_TEST=1 to build the node image with podman (takes minutes; not part of CI)';
  if (process.getuid?.() !== 0) return 'the podman image test runs as root';
  for (const tool of ['podman', 'runc', 'debootstrap']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing (apt-get install podman runc debootstrap)`;
  }
  return undefined;
}

const skip = unavailable();
if (skip) process.stderr.write(`skipping the podman image test: ${skip}\n`);

/** The container's stdout and stderr (the node logs JSON to stderr). */
const logsOf = (name: string) => {
  const r = spawnSync('podman', ['logs', name], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
};
const podman = (...args: string[]) => execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });

/** debootstrap minbase + this machine's node and npm, imported as BASE (once). */
function ensureBase(): void {
  if (spawnSync('podman', ['image', 'exists', BASE]).status === 0) return;
  const rootfs = process.env.SPLITKEY_PODMAN_ROOTFS ?? mkdtempSync(join(tmpdir(), 'splitkey-rootfs-'));
  if (!existsSync(join(rootfs, 'usr', 'bin', 'apt-get'))) {
    execFileSync('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian'], { stdio: 'ignore' });
  }
  mkdirSync(join(rootfs, 'usr', 'local', 'bin'), { recursive: true });
  cpSync(process.execPath, join(rootfs, 'usr', 'local', 'bin', 'node'));
  // Node's C headers, as official node images have them: node-gyp builds the native addon
  // against them instead of downloading them (the build has no internet).
  cpSync(join(dirname(dirname(process.execPath)), 'include', 'node'), join(rootfs, 'usr', 'local', 'include', 'node'), { recursive: true });
  const npmRoot = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm');
  const npmDest = join(rootfs, 'usr', 'local', 'lib', 'node_modules');
  rmSync(join(npmDest, 'npm'), { recursive: true, force: true });
  mkdirSync(npmDest, { recursive: true });
  execFileSync('cp', ['-a', npmRoot, npmDest]);
  rmSync(join(rootfs, 'usr', 'local', 'bin', 'npm'), { force: true });
  execFileSync('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr', 'local', 'bin', 'npm')]);
  execFileSync('sh', ['-c', `tar -C "$0" -c . | podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - ${BASE}`, rootfs], { stdio: 'ignore' });
}

describe.skipIf(skip !== undefined)('the node image under podman (debootstrap base, runc)', () => {
  let dir: string;
  const name = `splitkey-podman-test-${process.pid}`;
  const timings: Record<string, number> = {};

  beforeAll(() => {
    let t = performance.now();
    ensureBase();
    timings.base = Math.round(performance.now() - t);
    t = performance.now();
    // The npm cache of this machine is lent to the build (no second download of every package).
    const cache = join(process.env.HOME ?? '/root', '.npm');
    podman('build', ...runFlags(), '--network', 'host', '-v', `${cache}:/root/.npm`, '-f', 'deploy/Dockerfile', '--build-arg', `BASE=${BASE}`, '-t', IMAGE, '.');
    timings.build = Math.round(performance.now() - t);
  }, 1_200_000);

  afterAll(() => {
    spawnSync('podman', ['rm', '-f', '-t', '0', name]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`podman image test timings (ms): ${JSON.stringify(timings)}\n`);
  });

  it('runs a node from its unchanged bundle as uid 10001 on the native backend; the probe passes inside; SIGHUP reloads; SIGTERM exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'splitkey-podman-'));
    const topology = parseTopology(await readFile('deploy/topology.example.yaml', 'utf8'));
    await initCluster(topology, join(dir, 'out'));
    const bundle = join(dir, 'out', 'clouds', 'azure', 'nodes', '5');
    expect(readdirSync(bundle).sort()).toEqual(['ca.crt', 'cluster.json', 'config.json', 'node.crt', 'node.key', 'seal.key']);
    // As deploy/README.md says for compose: the bundle and the data belong to the image's user.
    const data = join(dir, 'data');
    mkdirSync(data);
    execFileSync('chown', ['-R', '10001', bundle, data]);

    const started = performance.now();
    podman('run', '-d', '--name', name, ...runFlags(), '--network', 'none', '-v', `${bundle}:/etc/splitkey:ro`, '-v', `${data}:/var/lib/splitkey`, IMAGE);
    let logs = '';
    for (let i = 0; i < 100 && !logs.includes('"event":"serving"'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      logs = logsOf(name);
    }
    expect(logs).toContain('"event":"serving"');
    timings.start = Math.round(performance.now() - started);
    expect(podman('exec', name, 'id', '-u').trim()).toBe('10001');
    // The image runs the native group backend (issue 15): the addon was built against libdecaf in
    // the build stage and loads with the run-time library of the final one.
    expect(podman('exec', name, 'node', '/app/dist/cli/main.js', '--version')).toMatch(/^group backend: native \(libdecaf\)$/m);

    const probe = spawnSync('podman', ['exec', name, 'node', '/app/dist/cli/main.js', 'cluster', 'probe', '--config', '/etc/splitkey/config.json'], { encoding: 'utf8' });
    expect(probe.stdout.trim()).toBe('SERVING');
    expect(probe.status).toBe(0);

    podman('kill', '--signal', 'HUP', name);
    for (let i = 0; i < 50 && !logs.includes('"event":"tls-reloaded"'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      logs = logsOf(name);
    }
    expect(logs).toContain('"event":"tls-reloaded"');

    const stopped = performance.now();
    podman('stop', '-t', '30', name);
    timings.stop = Math.round(performance.now() - stopped);
    expect(podman('inspect', name, '--format', '{{.State.ExitCode}}').trim()).toBe('0');
    expect(logsOf(name)).toMatch(/node stopped/);
  }, 120_000);
});
