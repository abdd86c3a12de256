import { describe, expect, it } from 'vitest';
import { chainEvents, fileUploaded } from '../chain/audit-test.fixture.js';
import { csvField, csvHeader, csvLine, ndjsonLine } from './export-format.js';

describe('export formats', () => {
  it('quote CSV fields per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField(42)).toBe('42');
  });

  it('write a header and one CRLF-terminated record per row', () => {
    const [row] = chainEvents([fileUploaded({ name: 'a "quoted", name' })]);
    if (row === undefined) throw new Error('no row');
    expect(csvHeader()).toBe('seq,id,time,type,source,actor_id,subject,owner_id,action,outcome,traceparent,data_json,hash\r\n');
    const line = csvLine(row);
    expect(line.endsWith('\r\n')).toBe(true);
    expect(line.startsWith(`1,${row.id},`)).toBe(true);
    expect(line).toContain('""name"":""a \\""quoted\\"", name""');
  });

  it('write one JSON object per NDJSON line', () => {
    const [row] = chainEvents([fileUploaded()]);
    if (row === undefined) throw new Error('no row');
    const line = ndjsonLine(row);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ seq: 1, id: row.id, outcome: 'success', hash: row.hash, time: new Date(row.timeMs).toISOString() });
  });
});
