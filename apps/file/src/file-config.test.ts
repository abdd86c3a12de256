import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FILE_SIZE_BYTES, loadFileConfig } from './file-config.js';

describe('loadFileConfig', () => {
  it('has development defaults', () => {
    const config = loadFileConfig({});
    expect(config.objectStoreUrl).toBeUndefined();
    expect(config.databaseUrl).toBe('pglite://memory');
    expect(config.eventBusUrl).toBe('embedded://');
    expect(config.limits).toEqual({ maxFileSizeBytes: DEFAULT_MAX_FILE_SIZE_BYTES, quotaMaxBytes: 0, quotaMaxFiles: 0 });
    expect(config.verifyOnRead).toBe(true);
    expect(config.orphanGraceSeconds).toBe(3_600);
    expect(config.scrubIntervalMs).toBe(0);
    expect(config.contentTypes).toEqual({ allow: [], deny: [] });
    expect(config.sharing).toEqual({ maxSharesPerFile: 1_000, maxLinksPerFile: 100 });
  });

  it('reads the sharing caps and refuses a zero cap', () => {
    expect(loadFileConfig({ COFFER_MAX_SHARES_PER_FILE: '7', COFFER_MAX_LINKS_PER_FILE: '3' }).sharing).toEqual({ maxSharesPerFile: 7, maxLinksPerFile: 3 });
    expect(() => loadFileConfig({ COFFER_MAX_LINKS_PER_FILE: '0' })).toThrow(/COFFER_MAX_LINKS_PER_FILE/);
  });

  it('reads limits, content types and switches', () => {
    const config = loadFileConfig({
      COFFER_MAX_FILE_SIZE_BYTES: '1000',
      COFFER_QUOTA_MAX_BYTES: '5000',
      COFFER_QUOTA_MAX_FILES: '3',
      COFFER_DENIED_CONTENT_TYPES: 'text/html, image/svg+xml',
      COFFER_VERIFY_ON_READ: 'false',
      COFFER_FILE_SCRUB_INTERVAL_MS: '60000',
      COFFER_OBJECT_STORE_URL: 's3://bucket?endpoint=http://127.0.0.1:59000',
      COFFER_S3_ACCESS_KEY: 'a',
      COFFER_S3_SECRET_KEY: 'b',
    });
    expect(config.limits).toEqual({ maxFileSizeBytes: 1000, quotaMaxBytes: 5000, quotaMaxFiles: 3 });
    expect(config.contentTypes.deny).toEqual(['text/html', 'image/svg+xml']);
    expect(config.verifyOnRead).toBe(false);
    expect(config.scrubIntervalMs).toBe(60_000);
    expect(config.s3Credentials).toEqual({ accessKey: 'a', secretKey: 'b' });
  });

  it('refuses bad values without echoing secrets', () => {
    expect(() => loadFileConfig({ COFFER_OBJECT_STORE_URL: 'http://user:hunter2@x' })).toThrow(/s3:\/\/ or file:\/\//);
    expect(() => loadFileConfig({ COFFER_OBJECT_STORE_URL: 'http://user:hunter2@x' })).not.toThrow(/hunter2/);
    expect(() => loadFileConfig({ COFFER_S3_ACCESS_KEY: 'a' })).toThrow(/together/);
    expect(() => loadFileConfig({ COFFER_ALLOWED_CONTENT_TYPES: 'not a type' })).toThrow(/COFFER_ALLOWED_CONTENT_TYPES/);
    expect(() => loadFileConfig({ COFFER_QUOTA_MAX_BYTES: '-1' })).toThrow();
  });
});
