import { describe, expect, it } from 'vitest';
import { describeProfile, ownerOfUrl, summarizeProfile, type CpuProfile } from './cpu-profile-summary.js';

describe('ownerOfUrl', () => {
  it('names the package, the project folder or Node itself', () => {
    expect(ownerOfUrl('file:///work/main/node_modules/kafkajs/src/consumer/runner.js')).toBe('kafkajs');
    expect(ownerOfUrl('file:///work/main/node_modules/@clickhouse/client-common/dist/x.js')).toBe('@clickhouse/client-common');
    expect(ownerOfUrl('file:///work/main/apps/audit/dist/ingest/audit-ingestor.js')).toBe('apps/audit');
    expect(ownerOfUrl('node:internal/streams/readable')).toBe('node (built-in modules)');
    expect(ownerOfUrl('')).toBe('(native)');
  });
});

describe('summarizeProfile', () => {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 2_000_000,
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('decode', 'file:///r/node_modules/kafkajs/src/protocol/decoder.js', 9) },
      { id: 4, callFrame: frame('chainRow', 'file:///r/apps/audit/dist/chain/audit-record.js', 41) },
    ],
    samples: [2, 2, 2, 2, 2, 2, 3, 3, 3, 4],
  };

  it('shares self samples by function and by owner, and how busy the process was', () => {
    const summary = summarizeProfile(profile);
    expect(summary.seconds).toBe(2);
    expect(summary.busy).toBeCloseTo(0.4, 9);
    expect(summary.owners).toEqual([
      { name: '(idle)', share: 0.6 },
      { name: 'kafkajs', share: expect.closeTo(0.3, 9) as number },
      { name: 'apps/audit', share: expect.closeTo(0.1, 9) as number },
    ]);
    expect(summary.functions[1]?.name).toBe('decode protocol/decoder.js:10');
    expect(describeProfile(summary)).toBe('busy 40 % of 2.0 s sampled; self time by owner: kafkajs 30.0 %, apps/audit 10.0 %');
  });
});
