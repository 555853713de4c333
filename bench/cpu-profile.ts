/**
 * CPU profiling for processes that the benchmark does not start itself (the node processes):
 * `--cpu-prof` is not allowed in NODE_OPTIONS, so `npm run bench` with BENCH_PROFILE=DIR passes
 * `NODE_OPTIONS=--import=<this file>` instead. The V8 profiler runs from start to exit and the
 * profile is written to $BENCH_PROFILE_DIR/<role>-<pid>.cpuprofile (open it in Chrome DevTools
 * or speedscope).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  const role = process.argv.includes('start') ? 'node' : 'client';
  process.once('exit', () => {
    // A session in the same thread answers synchronously, so this completes before exit.
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `${role}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
