import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, configValues, loadConfig } from './load-config.js';
import { loadServiceConfig } from '../service/service-config.js';

const schema = z.object({
  COFFER_GRPC_PORT: configValues.port().default(50051),
  COFFER_DB_PASSWORD: z.string().min(12),
  COFFER_FLAG: configValues.boolean().default(false),
});

describe('loadConfig', () => {
  it('parses, applies defaults and freezes', () => {
    const config = loadConfig(schema, { COFFER_DB_PASSWORD: 'long-enough-secret', COFFER_FLAG: 'true' });
    expect(config).toEqual({ COFFER_GRPC_PORT: 50051, COFFER_DB_PASSWORD: 'long-enough-secret', COFFER_FLAG: true });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad key and never echoes a secret value', () => {
    let caught: unknown;
    try {
      loadConfig(schema, { COFFER_GRPC_PORT: 'eighty', COFFER_DB_PASSWORD: 'short' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('COFFER_GRPC_PORT');
    expect(message).toContain('"eighty"');
    expect(message).toContain('COFFER_DB_PASSWORD');
    expect(message).not.toContain('short');
    expect((caught as ConfigError).problems).toHaveLength(2);
  });

  it('never echoes a URL value, which may carry a password', () => {
    const urlSchema = z.object({ COFFER_DATABASE_URL: z.string().startsWith('postgres://') });
    expect(() => loadConfig(urlSchema, { COFFER_DATABASE_URL: 'postgress://coffer:hunter2@db:5432/coffer' })).toThrow(/COFFER_DATABASE_URL: .*got \[redacted\]/);
  });

  it('reads COFFER_CONFIG_FILE, and the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ COFFER_GRPC_PORT: 6000, COFFER_DB_PASSWORD: 'from-the-file-123' }));
    const config = loadConfig(schema, { COFFER_CONFIG_FILE: file, COFFER_GRPC_PORT: '7000' });
    expect(config.COFFER_GRPC_PORT).toBe(7000);
    expect(config.COFFER_DB_PASSWORD).toBe('from-the-file-123');
  });

  it('fails clearly on an unreadable config file', () => {
    expect(() => loadConfig(schema, { COFFER_CONFIG_FILE: '/nonexistent/coffer.json' })).toThrow(/COFFER_CONFIG_FILE: cannot read JSON/);
  });
});

describe('loadServiceConfig', () => {
  it('derives certificate paths and peer addresses from defaults', () => {
    const config = loadServiceConfig('file', { COFFER_TLS_DIR: '/certs', COFFER_PEER_METADATA_ADDR: 'metadata.internal:443' });
    expect(config.tls).toEqual({ caFile: '/certs/ca.crt', certFile: '/certs/file.crt', keyFile: '/certs/file.key' });
    expect(config.grpc.port).toBe(50053);
    expect(config.peers.metadata).toBe('metadata.internal:443');
    expect(config.peers.policy).toBe('127.0.0.1:50055');
  });

  it('rejects a malformed peer address naming its key', () => {
    expect(() => loadServiceConfig('gateway', { COFFER_PEER_AUTH_ADDR: 'no-port' })).toThrow(/COFFER_PEER_AUTH_ADDR: expected host:port/);
  });
});
