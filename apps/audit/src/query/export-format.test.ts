import { describe, expect, it } from 'vitest';
import { accessDenied, chainEvents, fileUploaded } from '../chain/audit-test.fixture.js';
import { CSV_COLUMNS, csvField, csvHeader, csvLine, ndjsonLine } from './export-format.js';

/** A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF records) to prove round trips. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let at = 0;
  while (at < text.length) {
    if (text[at] === '"') {
      at += 1;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) throw new Error('unterminated quoted field');
        field += text.slice(at, quote);
        at = quote + 1;
        if (text[at] !== '"') break;
        field += '"';
        at += 1;
      }
    } else {
      const end = text.slice(at).search(/[,\r]/);
      const stop = end < 0 ? text.length : at + end;
      if (text.slice(at, stop).includes('"')) throw new Error('a quote in an unquoted field');
      field += text.slice(at, stop);
      at = stop;
    }
    if (text[at] === ',') {
      record.push(field);
      field = '';
      at += 1;
    } else if (text.startsWith('\r\n', at)) {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      at += 2;
    } else if (at < text.length) {
      throw new Error(`unexpected ${JSON.stringify(text[at])} at ${at}`);
    }
  }
  if (field !== '' || record.length > 0) throw new Error('the last record lacks its CRLF');
  return records;
}

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

  it('neutralise CSV cells a spreadsheet would run as a formula with a leading quote (AUD-6)', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField('\r=1+1')).toBe('"\'\r=1+1"');
    // Only the first character counts; numbers are written as numbers, never prefixed.
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('2026-11-27T02:46:58.000Z')).toBe('2026-11-27T02:46:58.000Z');
    expect(csvField(-2)).toBe('-2');
    expect(csvField(42)).toBe('42');
  });

  it('neutralised cells still round-trip through an RFC 4180 reader, quotes and newlines included', () => {
    const cells = ['=HYPERLINK("http://x","y")', '+1', '@SUM(A1)', '-2+3', '\tleading tab', 'say "hi"', 'two\r\nlines', '=a,"b"\nc', 'plain'];
    const text = `${cells.map(csvField).join(',')}\r\n`;
    expect(parseCsv(text)).toEqual([['\'=HYPERLINK("http://x","y")', "'+1", "'@SUM(A1)", "'-2+3", "'\tleading tab", 'say "hi"', 'two\r\nlines', '\'=a,"b"\nc', 'plain']]);
  });

  it('a record with a formula-like user value neutralises that cell and keeps every other column exact', () => {
    const actor = '5f0c2a54-7d1e-4a51-9a43-0c8f2f7e6b10';
    const [row] = chainEvents([accessDenied(actor, '=HYPERLINK("http://evil.example","open")')]);
    if (row === undefined) throw new Error('no row');
    const [header, record] = parseCsv(csvHeader() + csvLine(row));
    expect(header).toEqual([...CSV_COLUMNS]);
    const cells = Object.fromEntries(CSV_COLUMNS.map((column, index) => [column, record?.[index]]));
    expect(cells['subject']).toBe('\'=HYPERLINK("http://evil.example","open")');
    expect(cells).toMatchObject({ seq: '1', id: row.id, time: new Date(row.timeMs).toISOString(), actor_id: actor, outcome: 'denied', data_json: row.dataJson, hash: row.hash });
    // NDJSON stays the exact, lossless form.
    expect((JSON.parse(ndjsonLine(row)) as { subject: string }).subject).toBe('=HYPERLINK("http://evil.example","open")');
  });

  it('write one JSON object per NDJSON line', () => {
    const [row] = chainEvents([fileUploaded()]);
    if (row === undefined) throw new Error('no row');
    const line = ndjsonLine(row);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ seq: 1, id: row.id, outcome: 'success', hash: row.hash, time: new Date(row.timeMs).toISOString() });
  });
});
