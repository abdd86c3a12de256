import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { loadEngineEndpoints, requireEngine } from '@coffer/testing';

/**
 * Two gateway PROCESSES share one anonymous limit through the real Redis: with a limit of 40
 * per window and 400 concurrent requests (10×) spread over both, the requests let through
 * (any answer but 429) are within ±5 % of 40. Only the gateways run: GET /v1/health answers
 * 503 without the services behind it, which still counts as let through.
 */
const LIMIT = 40;
const endpoints = loadEngineEndpoints();

describe('two gateway processes, one limit in Redis', () => {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-two-gateways-'));
  const gateways: ChildProcess[] = [];
  const ports = [18_080, 18_081];
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(endpoints.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await requireEngine('redis', () => redis.connect(), { endpoints });
    // Forget counts of earlier runs in the same window (every request comes from 127.0.0.1).
    const stale = await redis.keys('coffer:ratelimit:gw:anonymous:*');
    if (stale.length > 0) await redis.del(...stale);
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    for (const [index, port] of ports.entries()) {
      const child = spawn(process.execPath, [join(rootDir, 'apps', 'gateway', 'dist', 'main.js')], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...process.env,
          COFFER_LOG_LEVEL: 'error',
          COFFER_TLS_DIR: join(workDir, 'certs'),
          COFFER_HTTP_PORT: String(port),
          COFFER_OPS_PORT: String(19_100 + index),
          COFFER_RATE_LIMIT_URL: endpoints.redis.url,
          COFFER_RATE_LIMIT_ANONYMOUS: String(LIMIT),
          COFFER_RATE_LIMIT_WINDOW_S: '60',
          COFFER_HEALTH_TIMEOUT_MS: '200',
        },
      });
      gateways.push(child);
    }
    for (const port of ports) {
      for (let attempt = 0; ; attempt += 1) {
        try {
          await fetch(`http://127.0.0.1:${port}/openapi.json`);
          break;
        } catch (error) {
          if (attempt > 100) throw error;
          await new Promise((resolveWait) => setTimeout(resolveWait, 100));
        }
      }
    }
  }, 60_000);

  afterAll(async () => {
    for (const child of gateways) {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    redis.disconnect();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('lets through 40 ± 5 % of 400 concurrent requests spread over both', async () => {
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, index) => fetch(`http://127.0.0.1:${ports[index % 2] ?? 0}/v1/health`).then((response) => response.status)),
    );
    const limited = answers.filter((status) => status === 429).length;
    const through = answers.length - limited;
    expect(answers.every((status) => status === 429 || status === 503 || status === 200)).toBe(true);
    expect(through).toBeGreaterThanOrEqual(Math.floor(LIMIT * 0.95));
    expect(through).toBeLessThanOrEqual(Math.ceil(LIMIT * 1.05));
  }, 60_000);
});
