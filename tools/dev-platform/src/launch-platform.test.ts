import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_SERVICES } from '@coffer/platform';
import { launchPlatform } from './launch-platform.js';

describe('launchPlatform', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reports a service that exits before it is ready at once, with its exit code, instead of waiting out the deadline', async () => {
    const rootDir = mkdtempSync(join(tmpdir(), 'coffer-launch-'));
    dirs.push(rootDir);
    for (const name of ALL_SERVICES) {
      mkdirSync(join(rootDir, 'apps', name, 'dist'), { recursive: true });
      // Every "service" fails its start-up the way a service whose port is taken does.
      writeFileSync(join(rootDir, 'apps', name, 'dist', 'main.js'), "console.error('listen EADDRINUSE: address already in use');\nprocess.exitCode = 3;\n");
    }
    const platform = launchPlatform({
      rootDir,
      certDir: join(rootDir, 'certs'),
      dataDir: join(rootDir, 'data'),
      portOffset: 7_500,
      onLine: () => undefined,
    });
    // Wait until the first child is gone, so the check does not race the spawn.
    await new Promise<void>((resolve) => platform.process('auth').once('exit', () => resolve()));
    const failure = platform.waitUntilHealthy(600_000);
    await expect(failure).rejects.toThrow(/auth exited \(3\)/);
    // ...quoting what the service said last.
    await expect(failure).rejects.toThrow(/last lines of auth:\nstderr: listen EADDRINUSE/);
    await platform.stop();
  });
  it('restarts a killed service as a new process with the same ports, and refuses to restart a running one', async () => {
    const rootDir = mkdtempSync(join(tmpdir(), 'coffer-launch-'));
    dirs.push(rootDir);
    for (const name of ALL_SERVICES) {
      mkdirSync(join(rootDir, 'apps', name, 'dist'), { recursive: true });
      // Every "service" says which gRPC port it got, then stays up until it is stopped.
      writeFileSync(join(rootDir, 'apps', name, 'dist', 'main.js'), "console.log('grpc ' + process.env.COFFER_GRPC_PORT);\nsetInterval(() => undefined, 1000);\n");
    }
    const lines: string[] = [];
    const exits: string[] = [];
    const platform = launchPlatform({
      rootDir,
      certDir: join(rootDir, 'certs'),
      portOffset: 7_500,
      onLine: (service, _stream, line) => lines.push(`${service} ${line}`),
      onUnexpectedExit: (service, _code, signal) => exits.push(`${service} ${signal}`),
    });
    const port = platform.ports.file.grpc;
    const announced = (times: number) =>
      new Promise<void>((resolve) => {
        const poll = () => (lines.filter((line) => line === `file grpc ${port}`).length === times ? resolve() : setTimeout(poll, 50));
        poll();
      });
    try {
      await announced(1);
      const first = platform.pid('file');
      await expect(platform.restart('file')).rejects.toThrow(/still running/);
      const gone = new Promise<void>((resolve) => platform.process('file').once('exit', () => resolve()));
      process.kill(first, 'SIGKILL');
      await gone;
      expect(exits).toEqual(['file SIGKILL']);
      await platform.restart('file');
      const second = platform.pid('file');
      expect(second).not.toBe(first);
      expect(() => process.kill(second, 0)).not.toThrow();
      await announced(2);
    } finally {
      const codes = await platform.stop();
      expect(Object.keys(codes).sort()).toEqual([...ALL_SERVICES].sort());
    }
  });
});
