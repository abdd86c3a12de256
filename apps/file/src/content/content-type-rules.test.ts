import { describe, expect, it } from 'vitest';
import { AppError } from '@coffer/platform';
import { sniffContentType } from './content-sniffing.js';
import { ContentTypeRules, normaliseDeclaredContentType, parseContentTypeList } from './content-type-rules.js';

/** Runs `fn` and returns the AppError it throws, failing the test if it throws anything else. */
function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('normaliseDeclaredContentType', () => {
  it.each([
    ['image/png', 'image/png'],
    ['IMAGE/PNG', 'image/png'],
    ['Text/HTML; charset=UTF-8', 'text/html'],
    ['text/plain;charset=utf-8', 'text/plain'],
    [' \tapplication/json \t; q=1', 'application/json'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['image/svg+xml', 'image/svg+xml'],
    ['application/x-7z-compressed', 'application/x-7z-compressed'],
  ])('%j → %j', (header, expected) => {
    expect(normaliseDeclaredContentType(header)).toBe(expected);
  });

  it.each([
    [undefined],
    [''],
    ['   '],
    ['png'],
    ['image/'],
    ['/png'],
    ['image/png/extra'],
    ['image /png'],
    ['text/html, image/png'],
    ['text/html\r\nX-Injected: 1'],
    ['text/h\u0000tml'],
    ['imäge/png'],
    ['*/*'],
    ['image/*'],
    [`${'a'.repeat(128)}/png`],
  ])('%j → application/octet-stream', (header) => {
    expect(normaliseDeclaredContentType(header)).toBe('application/octet-stream');
  });
});

describe('parseContentTypeList', () => {
  it.each([
    [undefined, []],
    ['', []],
    [' , ,', []],
    ['image/png', ['image/png']],
    ['image/*, application/PDF ,text/plain', ['image/*', 'application/pdf', 'text/plain']],
    ['*/*', ['*/*']],
    ['image/png,IMAGE/PNG', ['image/png']],
    ["application/vnd.ms-excel,application/x-tar,application/a!#$%&'+-.^_`|~z", ['application/vnd.ms-excel', 'application/x-tar', "application/a!#$%&'+-.^_`|~z"]],
  ])('%j → %j', (csv, expected) => {
    expect(parseContentTypeList(csv)).toEqual(expected);
  });

  it.each([
    ['image'],
    ['image/'],
    ['/png'],
    ['*/png'],
    ['*'],
    ['image/pn*'],
    ['im*/*'],
    ['text/plain; charset=utf-8'],
    ['text/html;'],
    ['image/png, text html'],
    ['image/png/x'],
    ['text/(html)'],
    ['tëxt/plain'],
  ])('refuses %j with invalid_argument', (csv) => {
    const error = thrown(() => parseContentTypeList(csv));
    expect(error.code).toBe('invalid_argument');
    expect(error.detail).toMatch(/Content type pattern ".*" is not valid/);
  });
});

describe('ContentTypeRules', () => {
  function refusal(rules: ContentTypeRules, declared: string | undefined, sniffed: string): AppError {
    return thrown(() => rules.check({ declared, sniffed }));
  }

  it('allows everything when both lists are empty', () => {
    const rules = new ContentTypeRules({ allow: [], deny: [] });
    expect(() => rules.check({ declared: 'text/html', sniffed: 'text/html' })).not.toThrow();
    expect(() => rules.check({ declared: undefined, sniffed: 'application/octet-stream' })).not.toThrow();
  });

  it('with an empty allow list, allows everything not denied', () => {
    const rules = new ContentTypeRules({ allow: [], deny: ['text/html'] });
    expect(() => rules.check({ declared: 'application/x-elf', sniffed: 'application/x-elf' })).not.toThrow();
    expect(refusal(rules, 'text/plain', 'text/html').code).toBe('unsupported_media_type');
  });

  it('refuses a declared image/png whose bytes sniff as text/html (disguised HTML)', () => {
    const rules = new ContentTypeRules({ allow: ['image/*'], deny: ['text/html'] });
    const bytes = Buffer.from('<!DOCTYPE html><html><script>steal()</script>', 'utf8');
    const error = refusal(rules, 'image/png', sniffContentType(bytes));
    expect(error.code).toBe('unsupported_media_type');
    expect(error.detail).toBe('The file content looks like text/html, which is not accepted.');
  });

  it('refuses a denied declared type even when the bytes are harmless', () => {
    const rules = new ContentTypeRules({ allow: [], deny: ['text/html', 'image/svg+xml'] });
    expect(refusal(rules, 'text/html; charset=utf-8', 'text/plain').detail).toBe('Files declared as text/html are not accepted.');
    expect(refusal(rules, 'IMAGE/SVG+XML', 'application/xml').detail).toBe('Files declared as image/svg+xml are not accepted.');
  });

  it('lets deny win over allow', () => {
    const rules = new ContentTypeRules({ allow: ['image/*', 'text/*'], deny: ['image/svg+xml', 'text/html'] });
    expect(() => rules.check({ declared: 'image/png', sniffed: 'image/png' })).not.toThrow();
    expect(refusal(rules, 'image/svg+xml', 'image/svg+xml').code).toBe('unsupported_media_type');
    expect(refusal(rules, 'text/plain', 'text/html').code).toBe('unsupported_media_type');
    const everything = new ContentTypeRules({ allow: ['*/*'], deny: ['application/x-msdownload'] });
    expect(refusal(everything, undefined, 'application/x-msdownload').code).toBe('unsupported_media_type');
  });

  it('requires the sniffed type, not the declared one, to be allowed', () => {
    const rules = new ContentTypeRules({ allow: ['image/*', 'application/pdf'], deny: [] });
    expect(() => rules.check({ declared: 'application/octet-stream', sniffed: 'image/jpeg' })).not.toThrow();
    expect(() => rules.check({ declared: undefined, sniffed: 'application/pdf' })).not.toThrow();
    const error = refusal(rules, 'image/png', 'application/zip');
    expect(error.code).toBe('unsupported_media_type');
    expect(error.detail).toBe('The file content looks like application/zip, which is not among the accepted types.');
  });

  it.each([
    // [allow, deny, declared, sniffed, accepted]
    [['*/*'], [], 'x/y', 'application/octet-stream', true],
    [['image/*'], [], 'image/png', 'image/png', true],
    [['image/*'], [], 'image/png', 'imagex/png', false],
    [['image/*'], [], 'image/png', 'video/mp4', false],
    [['IMAGE/*'], [], 'image/png', 'Image/PNG', true],
    [['image/png'], [], 'image/png', 'image/pngx', false],
    [['text/plain'], [], 'text/plain', 'text/plain; charset=utf-8', true],
    [[], ['*/*'], undefined, 'text/plain', false],
    [[], ['text/*'], 'TEXT/CSV; charset=utf-8', 'application/octet-stream', false],
    [[], ['text/*'], 'application/json', 'text/plain', false],
    [[], ['application/octet-stream'], undefined, 'image/png', false],
    [[], ['application/octet-stream'], 'not a type', 'image/png', false],
    [[], ['application/zip'], 'application/zip', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', false],
    [[], ['application/zip'], 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', true],
  ] satisfies [string[], string[], string | undefined, string, boolean][])(
    'allow %j deny %j: declared %j sniffed %j → accepted %s',
    (allow, deny, declared, sniffed, accepted) => {
      const rules = new ContentTypeRules({ allow, deny });
      if (accepted) expect(() => rules.check({ declared, sniffed })).not.toThrow();
      else expect(refusal(rules, declared, sniffed).code).toBe('unsupported_media_type');
    },
  );

  it('never echoes raw client input in the detail', () => {
    const rules = new ContentTypeRules({ allow: [], deny: ['application/octet-stream'] });
    const error = refusal(rules, 'text/evil<script>; x=1', 'image/png');
    expect(error.detail).toBe('Files declared as application/octet-stream are not accepted.');
  });

  it('refuses bad patterns when built', () => {
    expect(thrown(() => new ContentTypeRules({ allow: ['image/*'], deny: ['*/html'] })).code).toBe('invalid_argument');
    expect(thrown(() => new ContentTypeRules({ allow: ['text/plain; charset=utf-8'], deny: [] })).code).toBe('invalid_argument');
  });
});
