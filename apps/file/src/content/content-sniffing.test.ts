import { describe, expect, it } from 'vitest';
import { SNIFF_HEAD_BYTES, UNKNOWN_BINARY_TYPE, sniffContentType } from './content-sniffing.js';

/** Concatenates byte arrays, buffers and latin1 strings (each character one byte). */
function bytes(...parts: (readonly number[] | Uint8Array | string)[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Uint8Array.from(part))));
}

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function u16le(value: number): number[] {
  return [value & 0xff, value >> 8];
}

function u32le(value: number): number[] {
  return [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff];
}

function u32be(value: number): number[] {
  return u32le(value).reverse();
}

/** A ZIP local file header for `name` followed by `data` stored uncompressed. */
function zipEntry(name: string, data = '', flags = 0): Buffer {
  return bytes(
    [0x50, 0x4b, 0x03, 0x04],
    u16le(20), // version needed
    u16le(flags),
    u16le(0), // stored
    u32le(0), // time, date
    u32le(0), // crc32 (not checked by the sniffer)
    u32le(data.length),
    u32le(data.length),
    u16le(name.length),
    u16le(0),
    name,
    data,
  );
}

/** A 512-byte TAR header whose file name is `name`. */
function tarHeader(name: string, magic = 'ustar\u000000'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'latin1');
  header.write('0000644\u0000', 100, 'latin1');
  header.write(magic, 257, 'latin1');
  return header;
}

const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), 'IHDR', u32be(1), u32be(1));
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0], u16le(16), 'JFIF\u0000');
const BMP = bytes('BM', u32le(70), u32le(0), u32le(54), u32le(40), u32le(1), u32le(1));
const ICO = bytes([0x00, 0x00, 0x01, 0x00], u16le(1), [16, 16, 0, 0], u16le(1), u16le(32), u32le(68), u32le(22));
const PE = bytes('MZ', [0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00], Buffer.alloc(52), u32le(0x80), Buffer.alloc(64), 'PE\u0000\u0000');

describe('sniffContentType: binary formats by magic bytes', () => {
  it.each([
    ['PNG', PNG, 'image/png'],
    ['JPEG (JFIF)', JPEG, 'image/jpeg'],
    ['JPEG (Exif)', bytes([0xff, 0xd8, 0xff, 0xe1], u16le(100), 'Exif\u0000\u0000'), 'image/jpeg'],
    ['GIF87a', bytes('GIF87a', u16le(1), u16le(1), [0, 0, 0]), 'image/gif'],
    ['GIF89a', bytes('GIF89a', u16le(1), u16le(1), [0, 0, 0]), 'image/gif'],
    ['WebP', bytes('RIFF', u32le(100), 'WEBPVP8 ', u32le(80)), 'image/webp'],
    ['BMP', BMP, 'image/bmp'],
    ['TIFF little-endian', bytes('II', [0x2a, 0x00], u32le(8)), 'image/tiff'],
    ['TIFF big-endian', bytes('MM', [0x00, 0x2a], u32be(8)), 'image/tiff'],
    ['BigTIFF', bytes('II', [0x2b, 0x00, 0x08, 0x00, 0x00, 0x00]), 'image/tiff'],
    ['ICO', ICO, 'image/vnd.microsoft.icon'],
    ['PDF', utf8('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n'), 'application/pdf'],
    ['ZIP', bytes(zipEntry('notes.txt', 'hello'), zipEntry('b.txt', 'x')), 'application/zip'],
    ['empty ZIP', bytes([0x50, 0x4b, 0x05, 0x06], Buffer.alloc(18)), 'application/zip'],
    ['GZIP', bytes([0x1f, 0x8b, 0x08, 0x00], u32le(0), [0x00, 0x03]), 'application/gzip'],
    ['BZIP2', bytes('BZh91AY&SY'), 'application/x-bzip2'],
    ['XZ', bytes([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04]), 'application/x-xz'],
    ['7z', bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04]), 'application/x-7z-compressed'],
    ['TAR (POSIX ustar)', tarHeader('docs/readme.txt'), 'application/x-tar'],
    ['TAR (GNU)', tarHeader('readme.txt', 'ustar  \u0000'), 'application/x-tar'],
    ['MP3 with ID3v2', bytes('ID3', [0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23]), 'audio/mpeg'],
    ['MP3 frame (MPEG-1 layer III, 128 kbit/s)', bytes([0xff, 0xfb, 0x90, 0x64, 0x00]), 'audio/mpeg'],
    ['MP4', bytes(u32be(24), 'ftypisom', u32be(512), 'isomiso2'), 'video/mp4'],
    ['MP4 (mp42)', bytes(u32be(24), 'ftypmp42', u32be(0), 'mp42isom'), 'video/mp4'],
    ['MOV', bytes(u32be(20), 'ftypqt  ', u32be(0x200), 'qt  '), 'video/quicktime'],
    ['M4A', bytes(u32be(28), 'ftypM4A ', u32be(0), 'M4A mp42isom'), 'audio/mp4'],
    ['HEIC', bytes(u32be(24), 'ftypheic', u32be(0), 'mif1heic'), 'image/heic'],
    ['AVIF', bytes(u32be(28), 'ftypavif', u32be(0), 'avifmif1miaf'), 'image/avif'],
    ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm'), 'video/webm'],
    ['Matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88], 'matroska'), 'video/x-matroska'],
    ['OGG Vorbis', bytes('OggS', [0x00, 0x02], Buffer.alloc(20), [0x01, 0x1e], '\u0001vorbis'), 'audio/ogg'],
    ['OGG Opus', bytes('OggS', [0x00, 0x02], Buffer.alloc(20), [0x01, 0x13], 'OpusHead'), 'audio/ogg'],
    ['OGG Theora', bytes('OggS', [0x00, 0x02], Buffer.alloc(20), [0x01, 0x2a], '\u0080theora'), 'video/ogg'],
    ['OGG, other codec', bytes('OggS', [0x00, 0x02], Buffer.alloc(24)), 'application/ogg'],
    ['WAV', bytes('RIFF', u32le(36), 'WAVEfmt ', u32le(16)), 'audio/wav'],
    ['AVI', bytes('RIFF', u32le(36), 'AVI LIST'), 'video/x-msvideo'],
    ['FLAC', bytes('fLaC', [0x00, 0x00, 0x00, 0x22]), 'audio/flac'],
    ['WASM', bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]), 'application/wasm'],
    ['ELF', bytes([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), 'application/x-elf'],
    ['Windows PE', PE, 'application/x-msdownload'],
    ['Mach-O 64-bit', bytes([0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0x00, 0x00, 0x01]), 'application/x-mach-binary'],
    ['Mach-O 32-bit big-endian', bytes([0xfe, 0xed, 0xfa, 0xce, 0x00, 0x00, 0x00, 0x12]), 'application/x-mach-binary'],
    ['Mach-O universal', bytes([0xca, 0xfe, 0xba, 0xbe], u32be(2), u32be(0x01000007)), 'application/x-mach-binary'],
    ['Java class', bytes([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x41]), 'application/java-vm'],
  ])('%s', (_label, head, expected) => {
    expect(sniffContentType(head)).toBe(expected);
  });
});

describe('sniffContentType: OOXML inside ZIP', () => {
  const contentTypes = zipEntry('[Content_Types].xml', '<?xml version="1.0"?><Types/>');
  const rels = zipEntry('_rels/.rels', '<Relationships/>');

  it.each([
    ['docx', 'word/document.xml', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['xlsx', 'xl/workbook.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['pptx', 'ppt/presentation.xml', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  ])('%s after [Content_Types].xml and _rels', (_label, part, expected) => {
    expect(sniffContentType(bytes(contentTypes, rels, zipEntry(part, '<x/>')))).toBe(expected);
  });

  it('recognises a part folder as the first entry', () => {
    expect(sniffContentType(zipEntry('word/document.xml', '<x/>'))).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
  });

  it('falls back to application/zip when the part folder is not in the head', () => {
    expect(sniffContentType(contentTypes)).toBe('application/zip');
    expect(sniffContentType(bytes(contentTypes, zipEntry('big.bin', 'x'.repeat(SNIFF_HEAD_BYTES)), zipEntry('word/document.xml')))).toBe(
      'application/zip',
    );
  });

  it('falls back to application/zip when sizes are in a data descriptor (flag bit 3)', () => {
    const streamed = bytes(zipEntry('[Content_Types].xml', '', 0x08), '<Types/>', zipEntry('word/document.xml'));
    expect(sniffContentType(streamed)).toBe('application/zip');
  });

  it('does not call a ZIP with a word/ folder after other entries OOXML without [Content_Types].xml', () => {
    expect(sniffContentType(bytes(zipEntry('notes.txt', 'hi'), zipEntry('word/list.txt', 'x')))).toBe('application/zip');
  });
});

describe('sniffContentType: markup', () => {
  it.each([
    ['<!DOCTYPE html><html><body>x', 'text/html'],
    ['<!doctype html>\n<title>x</title>', 'text/html'],
    ['<html>', 'text/html'],
    ['<HTML lang="en">', 'text/html'],
    ['<HtMl', 'text/html'],
    ['<script>alert(1)</script>', 'text/html'],
    ['<script/src=//evil.example></script>', 'text/html'],
    ['<SCRIPT src="x.js">', 'text/html'],
    ['<head><meta charset="utf-8">', 'text/html'],
    ['<body onload="alert(1)">', 'text/html'],
    ['<iframe src="https://evil.example">', 'text/html'],
    ['<div>hello</div>', 'text/html'],
    ['<a href="x">link</a>', 'text/html'],
    ['<p>para', 'text/html'],
    ['<!-- hi --><b>x</b>', 'text/html'],
    ['<!-- just a comment -->', 'text/html'],
    ['  \n\t<html>', 'text/html'],
    ['\ufeff<html>', 'text/html'],
    ['\ufeff \r\n<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN">', 'text/html'],
    ['<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">', 'text/html'],
    ['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'image/svg+xml'],
    ['<SVG>', 'image/svg+xml'],
    ['<?xml version="1.0" encoding="UTF-8"?>\n<svg width="10" height="10"/>', 'image/svg+xml'],
    [
      '<?xml version="1.0"?>\n<!-- Generator: Adobe Illustrator -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg version="1.1">',
      'image/svg+xml',
    ],
    ['<?xml version="1.0"?><!DOCTYPE svg [ <!ENTITY a "b"> ]><svg>', 'image/svg+xml'],
    ['<!-- icon --><svg viewBox="0 0 1 1">', 'image/svg+xml'],
    ['<?xml version="1.0"?>\n<!-- comment that the head cuts off <svg', 'image/svg+xml'],
    ['<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>&lt;svg</title>', 'application/xml'],
    ['<?xml version="1.0" encoding="UTF-8"?><project/>', 'application/xml'],
    ['<?xml version="1.0"?>', 'application/xml'],
  ])('%j is %s', (text, expected) => {
    expect(sniffContentType(utf8(text))).toBe(expected);
  });

  it.each([
    ['<htmlx>', 'not a tag named html'],
    ['<scriptx', 'not a tag named script'],
    ['<svgfoo>', 'not a tag named svg'],
    ['<notes>plain</notes>', 'not an HTML tag'],
    ['hello <html>', 'tag not at the start'],
    ['{"html": "<script>"}', 'JSON is not special'],
    ['<?php echo 1; ?>', 'a processing instruction with no root'],
  ])('%j is text/plain (%s)', (text) => {
    expect(sniffContentType(utf8(text))).toBe('text/plain');
  });

  it('finds HTML in UTF-16 text with a BOM', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<html><script>', 'utf16le')]);
    const be = Buffer.from(le.subarray(2)).swap16();
    expect(sniffContentType(le)).toBe('text/html');
    expect(sniffContentType(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe('text/html');
    expect(sniffContentType(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello', 'utf16le')]))).toBe('text/plain');
  });

  it('calls HTML disguised as a TAR header HTML, and never TAR', () => {
    expect(sniffContentType(tarHeader('<html><script>alert(1)</script>'))).toBe('text/html');
  });

  it('detects a disguised HTML file whatever its name or declared type', () => {
    const disguised = utf8('\n\n   <!DOCTYPE html><html><body><script>fetch("/v1/files")</script>');
    expect(sniffContentType(disguised)).toBe('text/html');
  });
});

describe('sniffContentType: text and unknown binary', () => {
  it.each([
    ['shell script', '#!/bin/sh\necho hi\n', 'text/x-shellscript'],
    ['env shebang', '#!/usr/bin/env python3\nprint(1)\n', 'text/x-shellscript'],
    ['ASCII', 'hello world\n', 'text/plain'],
    ['JSON', '{"a": [1, 2, 3]}', 'text/plain'],
    ['CSV', 'name,age\nAda,36\r\n', 'text/plain'],
    ['UTF-8 letters and emoji', 'Zoë 日本語 🎉\n', 'text/plain'],
    ['UTF-8 BOM', '\ufeffhello', 'text/plain'],
    ['allowed controls', 'a\tb\r\nc\fd\u001b[31mred\u001b[0m', 'text/plain'],
    ['one control in 100 bytes', `${'x'.repeat(99)}\u0007`, 'text/plain'],
    ['one control in 99 bytes', `${'x'.repeat(98)}\u0007`, UNKNOWN_BINARY_TYPE],
    ['C1 control in a short text', 'a\u0085b', UNKNOWN_BINARY_TYPE],
    ['DEL in a short text', 'a\u007fb', UNKNOWN_BINARY_TYPE],
    ['text starting with BM', 'BMW cars are fast', 'text/plain'],
    ['text starting with MZ', `MZ ${'x'.repeat(100)}`, 'text/plain'],
    ['text starting with ID3', 'ID3 tags explained', 'text/plain'],
    ['text with ftyp at offset 4', 'abcdftypisom', 'text/plain'],
  ])('%s', (_label, text, expected) => {
    expect(sniffContentType(utf8(text))).toBe(expected);
  });

  it.each([
    ['empty', bytes()],
    ['NUL in text', bytes('hello\u0000world')],
    ['invalid UTF-8 byte', bytes('caf', [0xe9], ' au lait')],
    ['lone continuation byte', bytes('a', [0x80], 'b')],
    ['overlong encoding', bytes([0xc0, 0xaf])],
    ['UTF-16 surrogate encoded in UTF-8', bytes([0xed, 0xa0, 0x80])],
    ['code point past U+10FFFF', bytes([0xf4, 0x90, 0x80, 0x80])],
    ['truncated sequence followed by more text', bytes([0xe6, 0x97], 'abc')],
    ['random binary', bytes([0x13, 0x37, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01])],
    ['MPEG frame with reserved version bits (not MP3)', bytes([0xff, 0xeb, 0x90, 0x64])],
    ['AAC ADTS frame (layer bits 00)', bytes([0xff, 0xf1, 0x50, 0x80])],
  ])('%s is application/octet-stream', (_label, head) => {
    expect(sniffContentType(head)).toBe(UNKNOWN_BINARY_TYPE);
  });

  it('allows a multibyte sequence cut off by the end of the head', () => {
    const text = utf8(`${'a'.repeat(SNIFF_HEAD_BYTES - 2)}日本`);
    const head = text.subarray(0, SNIFF_HEAD_BYTES); // ends inside 日
    expect(sniffContentType(head)).toBe('text/plain');
    expect(sniffContentType(utf8('ok 🎉').subarray(0, 5))).toBe('text/plain');
  });

  it('looks only at the first SNIFF_HEAD_BYTES bytes', () => {
    const text = Buffer.concat([utf8('a'.repeat(SNIFF_HEAD_BYTES)), Buffer.from([0x00, 0xff, 0x00])]);
    expect(sniffContentType(text)).toBe('text/plain');
  });

  it('accepts a plain Uint8Array as well as a Buffer', () => {
    expect(sniffContentType(new Uint8Array(PNG))).toBe('image/png');
    const offsetView = PNG.subarray(0); // a view into a larger pooled ArrayBuffer
    expect(sniffContentType(offsetView)).toBe('image/png');
  });
});
