/**
 * Preloaded into each service with NODE_OPTIONS=--import (Node refuses `--cpu-prof` in
 * NODE_OPTIONS): records a V8 CPU profile from start to exit and writes it to
 * $COFFER_BENCH_CPU_PROFILE_DIR/<service-pid>.cpuprofile. Only `--cpu-prof DIR` runs use it.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env['COFFER_BENCH_CPU_PROFILE_DIR'];
if (dir !== undefined) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // A same-thread inspector session answers synchronously, so this works inside 'exit'.
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
