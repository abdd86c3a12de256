import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ENGINES = ['postgres', 'redis', 'kafka', 's3', 'clickhouse'] as const;
const PRODUCTS = /(PostgreSQL \d[^,]*|Redis [^\s,()]+|Kafka [^\s,()]+|MinIO [^\s,()]+|ClickHouse [\d.]+)/;

/**
 * Asks tools/engines/engines.sh which engines are up and which versions they run. Throws a
 * message that says how to start them when one is down: a benchmark never measures a fallback.
 */
export async function requireEnginesUp(rootDir: string): Promise<Record<string, string>> {
  let output: string;
  try {
    ({ stdout: output } = await promisify(execFile)(join(rootDir, 'tools', 'engines', 'engines.sh'), ['status'], { cwd: rootDir, timeout: 60_000 }));
  } catch (error) {
    // engines.sh status exits non-zero when an engine is down; its report is still on stdout.
    const stdout = (error as { stdout?: unknown }).stdout;
    output = typeof stdout === 'string' ? stdout : '';
  }
  const { versions, down } = parseEngineStatus(output);
  if (down.length > 0) {
    throw new Error(`engines not up: ${down.join(', ')}. Start them with \`tools/engines/engines.sh up\` (make bench measures Coffer on the real engines only).\n${output}`);
  }
  return versions;
}

/** Reads `engines.sh status` output: each engine's version where it is up, and which are down. */
export function parseEngineStatus(output: string): { versions: Record<string, string>; down: string[] } {
  const versions: Record<string, string> = {};
  const down: string[] = [];
  for (const engine of ENGINES) {
    const line = output.split('\n').find((candidate) => candidate.startsWith(`${engine}:`));
    if (line === undefined || !/^\S+: up\b/.test(line)) {
      down.push(engine);
      continue;
    }
    versions[engine] = PRODUCTS.exec(line)?.[1]?.replace(/\)$/, '') ?? line;
  }
  return { versions, down };
}
