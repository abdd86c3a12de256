import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunningPlatform } from '@coffer/dev-platform';
import type { ServiceName } from '@coffer/platform';

export const ENGINE_TARGETS = ['postgres', 'redis', 'kafka', 's3', 'clickhouse'] as const;
export const SERVICE_TARGETS = ['gateway', 'auth', 'user', 'file', 'metadata', 'policy', 'audit', 'webhook'] as const satisfies readonly ServiceName[];
export type EngineTarget = (typeof ENGINE_TARGETS)[number];
export type FaultTargetName = EngineTarget | ServiceName;
export const FAULT_SIGNALS = ['SIGKILL', 'SIGSTOP'] as const;
export type FaultSignal = (typeof FAULT_SIGNALS)[number];

/** Something a fault can hit: finds its process now, and brings it back after a SIGKILL. */
export interface FaultTarget {
  readonly name: FaultTargetName;
  readonly kind: 'engine' | 'service';
  /** The pid to signal (the engine's main process, read from its pid file; the service's child). */
  pid(): number;
  /** Starts it again after it was killed; resolves once it serves (engines) or is spawned (services). */
  restart(): Promise<void>;
}

/** Where each engine of tools/engines writes its main pid, relative to the engines folder. */
const ENGINE_PID_FILES: Readonly<Record<EngineTarget, string>> = {
  // The postmaster's lock file: its first line is the pid.
  postgres: 'postgres/data/postmaster.pid',
  redis: 'redis/redis.pid',
  kafka: 'kafka/kafka.pid',
  s3: 's3/minio.pid',
  clickhouse: 'clickhouse/clickhouse.pid',
};

/** Reads a pid file the way tools/engines/lib.sh does (first line, digits only). */
export function parsePidFile(text: string): number {
  const pid = Number((text.split('\n')[0] ?? '').replace(/\D/g, ''));
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`not a pid file: ${JSON.stringify(text.slice(0, 40))}`);
  return pid;
}

/** An engine of tools/engines: pid from its pid file, restarted with `engines.sh up <engine>`. */
export function engineTarget(rootDir: string, engine: EngineTarget): FaultTarget {
  const enginesDir = process.env['COFFER_ENGINES_DIR'] ?? join(rootDir, '.coffer/engines');
  return {
    name: engine,
    kind: 'engine',
    pid: () => parsePidFile(readFileSync(join(enginesDir, ENGINE_PID_FILES[engine]), 'utf8')),
    restart: async () => {
      await promisify(execFile)(join(rootDir, 'tools/engines/engines.sh'), ['up', engine], { timeout: 180_000 });
    },
  };
}

/** A service of a running platform: its child process, restarted by the platform launcher. */
export function serviceTarget(platform: RunningPlatform, service: ServiceName): FaultTarget {
  return {
    name: service,
    kind: 'service',
    pid: () => platform.pid(service),
    restart: () => platform.restart(service),
  };
}

export function isEngine(name: FaultTargetName): name is EngineTarget {
  return (ENGINE_TARGETS as readonly string[]).includes(name);
}
