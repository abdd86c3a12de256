import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ENGINE_ENV_DEFAULTS,
  defaultEngineEnvFile,
  engineAddress,
  findRepoRoot,
  loadEngineEndpoints,
  parseEnvFile,
} from './engine-endpoints.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'coffer-testing-'));
}

function writeEnvFile(text: string): string {
  const file = join(tempDir(), 'env');
  writeFileSync(file, text);
  return file;
}

describe('parseEnvFile', () => {
  it('reads KEY=value lines as engines.sh writes them', () => {
    const parsed = parseEnvFile(
      [
        '# Written by tools/engines/engines.sh at 2026-11-26T10:59:31Z.',
        '# Lines only for engines that answered their status check then. Plain KEY=value.',
        'COFFER_TEST_POSTGRES_URL=postgres://coffer:coffer@127.0.0.1:55432/coffer',
        'COFFER_TEST_KAFKA_BROKERS=127.0.0.1:59092',
        '',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      COFFER_TEST_POSTGRES_URL: 'postgres://coffer:coffer@127.0.0.1:55432/coffer',
      COFFER_TEST_KAFKA_BROKERS: '127.0.0.1:59092',
    });
    expect(Object.isFrozen(parsed)).toBe(true);
  });

  it('keeps everything after the first = and trims around it', () => {
    expect(parseEnvFile('  A = x=y==  \r\nB=')).toEqual({ A: 'x=y==', B: '' });
  });

  it('accepts an export prefix and strips one pair of matching quotes', () => {
    expect(parseEnvFile(`export A="quoted value"\nB='single'\nC="unbalanced'\nD=""`)).toEqual({
      A: 'quoted value',
      B: 'single',
      C: `"unbalanced'`,
      D: '',
    });
  });

  it('ignores comments, blank lines and lines that are not assignments', () => {
    expect(parseEnvFile('# A=commented\n\nnot an assignment\n1BAD=x\n  # indented comment\nGOOD=1')).toEqual({ GOOD: '1' });
  });

  it('lets a later line win, as a shell would', () => {
    expect(parseEnvFile('A=first\nA=second')).toEqual({ A: 'second' });
  });
});

describe('loadEngineEndpoints', () => {
  const noFile = join(tempDir(), 'does-not-exist');

  it('falls back to the PORTS.md defaults when nothing is set', () => {
    const endpoints = loadEngineEndpoints({ env: {}, envFile: noFile });
    expect(endpoints).toEqual({
      postgres: { url: 'postgres://coffer:coffer@127.0.0.1:55432/coffer' },
      redis: { url: 'redis://127.0.0.1:56379' },
      kafka: { brokers: ['127.0.0.1:59092'] },
      s3: {
        endpoint: 'http://127.0.0.1:59000',
        accessKey: 'coffer-test',
        secretKey: 'coffer-test-secret-key',
        region: 'us-east-1',
      },
      clickhouse: { url: 'http://127.0.0.1:58123' },
    });
  });

  it('is frozen all the way down', () => {
    const endpoints = loadEngineEndpoints({ env: {}, envFile: noFile });
    expect(Object.isFrozen(endpoints)).toBe(true);
    expect(Object.isFrozen(endpoints.s3)).toBe(true);
    expect(Object.isFrozen(endpoints.kafka.brokers)).toBe(true);
    expect(() => {
      (endpoints.redis as { url: string }).url = 'redis://elsewhere:1';
    }).toThrow(TypeError);
  });

  it('prefers the env file over the defaults, and the environment over both', () => {
    const envFile = writeEnvFile(
      'COFFER_TEST_REDIS_URL=redis://10.0.0.1:6000\nCOFFER_TEST_S3_REGION=eu-west-1\nCOFFER_TEST_KAFKA_BROKERS=a:1,b:2\n',
    );
    const endpoints = loadEngineEndpoints({
      env: { COFFER_TEST_REDIS_URL: 'redis://10.0.0.2:7000', COFFER_TEST_CLICKHOUSE_URL: 'http://ch:8123' },
      envFile,
    });
    expect(endpoints.redis.url).toBe('redis://10.0.0.2:7000');
    expect(endpoints.s3.region).toBe('eu-west-1');
    expect(endpoints.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(endpoints.clickhouse.url).toBe('http://ch:8123');
    expect(endpoints.postgres.url).toBe(ENGINE_ENV_DEFAULTS.COFFER_TEST_POSTGRES_URL);
  });

  it('treats empty values as unset', () => {
    const envFile = writeEnvFile('COFFER_TEST_S3_ACCESS_KEY=\n');
    const endpoints = loadEngineEndpoints({ env: { COFFER_TEST_S3_ACCESS_KEY: '  ' }, envFile });
    expect(endpoints.s3.accessKey).toBe('coffer-test');
  });

  it('splits and trims the broker list', () => {
    const endpoints = loadEngineEndpoints({ env: { COFFER_TEST_KAFKA_BROKERS: ' h1:9092 , h2:9093,' }, envFile: noFile });
    expect(endpoints.kafka.brokers).toEqual(['h1:9092', 'h2:9093']);
  });

  it('names the variable when a value is malformed, without echoing a password', () => {
    expect(() => loadEngineEndpoints({ env: { COFFER_TEST_KAFKA_BROKERS: 'no-port' }, envFile: noFile })).toThrow(
      /^COFFER_TEST_KAFKA_BROKERS must be a comma-separated list of host:port/,
    );
    const attempt = () =>
      loadEngineEndpoints({ env: { COFFER_TEST_POSTGRES_URL: '//coffer:hunter2@127.0.0.1:55432' }, envFile: noFile });
    expect(attempt).toThrow(/^COFFER_TEST_POSTGRES_URL must be a URL/);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('finds <repo>/.coffer/engines/env from a folder inside the repo', () => {
    const repo = tempDir();
    writeFileSync(join(repo, 'nx.json'), '{}');
    mkdirSync(join(repo, '.coffer', 'engines'), { recursive: true });
    writeFileSync(join(repo, '.coffer', 'engines', 'env'), 'COFFER_TEST_REDIS_URL=redis://from-file:1\n');
    const inside = join(repo, 'libs', 'x', 'src');
    mkdirSync(inside, { recursive: true });

    expect(loadEngineEndpoints({ env: {}, cwd: inside }).redis.url).toBe('redis://from-file:1');
  });

  it('reads $COFFER_ENGINES_DIR/env when that is set, relative to cwd', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'engines'));
    writeFileSync(join(dir, 'engines', 'env'), 'COFFER_TEST_S3_ENDPOINT=http://other:9000\n');
    const endpoints = loadEngineEndpoints({ env: { COFFER_ENGINES_DIR: 'engines' }, cwd: dir });
    expect(endpoints.s3.endpoint).toBe('http://other:9000');
  });
});

describe('findRepoRoot and defaultEngineEnvFile', () => {
  it('walks up to the folder with nx.json', () => {
    const repo = tempDir();
    writeFileSync(join(repo, 'nx.json'), '{}');
    mkdirSync(join(repo, 'a', 'b'), { recursive: true });
    expect(findRepoRoot(join(repo, 'a', 'b'))).toBe(repo);
    expect(defaultEngineEnvFile({}, join(repo, 'a'))).toBe(join(repo, '.coffer', 'engines', 'env'));
  });

  it('falls back to the repo this module lives in when cwd is outside any repo', () => {
    // This checkout's root, wherever it lives (CI clones may sit under the temp folder too).
    const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
    expect(defaultEngineEnvFile({}, tempDir())).toBe(join(repoRoot, '.coffer', 'engines', 'env'));
  });
});

describe('engineAddress', () => {
  it('gives host:port without credentials', () => {
    const endpoints = loadEngineEndpoints({ env: { COFFER_TEST_KAFKA_BROKERS: 'k1:1,k2:2' }, envFile: join(tempDir(), 'none') });
    expect(engineAddress(endpoints, 'postgres')).toBe('127.0.0.1:55432');
    expect(engineAddress(endpoints, 'redis')).toBe('127.0.0.1:56379');
    expect(engineAddress(endpoints, 'kafka')).toBe('k1:1,k2:2');
    expect(engineAddress(endpoints, 's3')).toBe('127.0.0.1:59000');
    expect(engineAddress(endpoints, 'clickhouse')).toBe('127.0.0.1:58123');
  });
});
