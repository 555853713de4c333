/** Headless Chromium (Debian `chromium`) for tests that render HTML: the DOM after parsing, and a screenshot. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Why Chromium cannot run here, or undefined when it can. */
export function chromiumUnavailable(): string | undefined {
  return chromiumPath() ? undefined : 'headless Chromium is not installed (apt-get install -y chromium; .ci/run installs it)';
}

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

function chromium(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    execFile(chromiumPath()!, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', ...args], { timeout: 60_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`chromium ${args.join(' ')}: ${stderr.slice(-500) || err.message}`)) : resolve(stdout),
    );
  });
}

/** The document as Chromium parsed it. */
export const dumpDom = (url: string): Promise<string> => chromium(['--dump-dom', url]);

/** A PNG of the page at `width`×`height`. */
export const screenshot = (url: string, png: string, width = 1100, height = 1500): Promise<string> => chromium([`--window-size=${width},${height}`, `--screenshot=${png}`, url]);
