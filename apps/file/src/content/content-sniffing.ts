/**
 * Content sniffing: what a file's first bytes say it is, whatever the client declared. The
 * sniffed type feeds the content-type rules, whose main job is to catch active content (HTML,
 * SVG) disguised under a harmless declared type. Sniffing is a classifier, not a parser: a
 * polyglot (a valid GIF that is also HTML) sniffs as its first format, so downloads must
 * still be served with `X-Content-Type-Options: nosniff` and as attachments.
 */

/** How many leading bytes {@link sniffContentType} looks at; read at least this many. */
export const SNIFF_HEAD_BYTES = 4096;

/** What {@link sniffContentType} returns for an empty file and for unrecognised binary data. */
export const UNKNOWN_BINARY_TYPE = 'application/octet-stream';

const OOXML_TYPES: Readonly<Record<string, string>> = {
  'word/': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'xl/': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'ppt/': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

// Tags that make a browser treat a document as HTML: the WHATWG MIME Sniffing list
// (https://mimesniff.spec.whatwg.org/#identifying-a-resource-with-an-unknown-mime-type).
const HTML_TAGS = ['html', 'head', 'body', 'script', 'iframe', 'h1', 'div', 'font', 'table', 'a', 'style', 'title', 'b', 'br', 'p'];

/** Bytes (or ASCII text) at `offset` equal `signature`; numbers are bytes, a string is ASCII. */
function hasBytes(head: Uint8Array, offset: number, signature: readonly number[] | string): boolean {
  const bytes = typeof signature === 'string' ? [...signature].map((c) => c.charCodeAt(0)) : signature;
  if (offset + bytes.length > head.length) return false;
  return bytes.every((byte, index) => head[offset + index] === byte);
}

function uint16le(head: Uint8Array, offset: number): number {
  return (head[offset] ?? 0) | ((head[offset + 1] ?? 0) << 8);
}

function uint32le(head: Uint8Array, offset: number): number {
  return (uint16le(head, offset) + uint16le(head, offset + 2) * 0x10000) >>> 0;
}

function uint32be(head: Uint8Array, offset: number): number {
  return (((head[offset] ?? 0) << 24) | ((head[offset + 1] ?? 0) << 16) | ((head[offset + 2] ?? 0) << 8) | (head[offset + 3] ?? 0)) >>> 0;
}

function ascii(head: Uint8Array, start: number, end: number): string {
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1', start, Math.min(end, head.length));
}

/**
 * A ZIP whose entries visible in the head show an OOXML package. Office writes
 * `[Content_Types].xml` first, then `_rels/`, `docProps/` and the part folder (`word/`, `xl/`,
 * `ppt/`); we walk local file headers while they fit in the head and their size is known.
 */
function sniffZip(head: Uint8Array): string {
  let offset = 0;
  let sawContentTypes = false;
  while (hasBytes(head, offset, [0x50, 0x4b, 0x03, 0x04]) && offset + 30 <= head.length) {
    const flags = uint16le(head, offset + 6);
    const compressedSize = uint32le(head, offset + 18);
    const nameLength = uint16le(head, offset + 26);
    const extraLength = uint16le(head, offset + 28);
    const name = ascii(head, offset + 30, offset + 30 + nameLength);
    if (name === '[Content_Types].xml') sawContentTypes = true;
    const part = Object.keys(OOXML_TYPES).find((prefix) => name.startsWith(prefix));
    // A part folder as the very first entry is accepted too (some writers put it first).
    if (part !== undefined && (sawContentTypes || offset === 0)) return OOXML_TYPES[part] ?? 'application/zip';
    // Bit 3: sizes follow the data in a descriptor, so the next header cannot be found cheaply.
    if ((flags & 0x08) !== 0) break;
    offset += 30 + nameLength + extraLength + compressedSize;
  }
  return 'application/zip';
}

/** ID3v2 tag (MP3): `ID3`, a major version of 2 to 4, and a revision that is not 0xFF. */
function isId3Tag(head: Uint8Array): boolean {
  return hasBytes(head, 0, 'ID3') && [2, 3, 4].includes(head[3] ?? 0) && (head[4] ?? 0xff) < 0xff;
}

/** MPEG audio layer II/III frame header (MP3 without an ID3 tag): sync bits, no reserved values. */
function isMpegAudioFrame(head: Uint8Array): boolean {
  const [b0, b1, b2] = [head[0] ?? 0, head[1] ?? 0, head[2] ?? 0];
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 0x03;
  const layer = (b1 >> 1) & 0x03;
  const bitrate = b2 >> 4;
  const sampleRate = (b2 >> 2) & 0x03;
  // Layer 00 is reserved (and is how AAC ADTS headers look). Layer I (11) is left out: it is
  // rare, and its `FF FE` / `FF FF` starts are UTF-16 byte order marks.
  return version !== 0x01 && (layer === 0x01 || layer === 0x02) && bitrate !== 0x0f && sampleRate !== 0x03;
}

/** ISO base media (MP4, MOV, HEIF, AVIF): the `ftyp` box and its major brand. */
function sniffIsoMedia(head: Uint8Array): string {
  const brand = ascii(head, 8, 12);
  if (brand === 'qt  ') return 'video/quicktime';
  if (brand === 'M4A ' || brand === 'M4B ' || brand === 'M4P ') return 'audio/mp4';
  if (brand === 'avif' || brand === 'avis') return 'image/avif';
  if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx'].includes(brand)) return 'image/heic';
  if (brand === 'mif1' || brand === 'msf1') return 'image/heif';
  if (brand.startsWith('3g2')) return 'video/3gpp2';
  if (brand.startsWith('3gp')) return 'video/3gpp';
  return 'video/mp4';
}

function sniffOgg(head: Uint8Array): string {
  if (hasBytes(head, 28, '\u0001vorbis') || hasBytes(head, 28, 'OpusHead') || hasBytes(head, 28, '\u007fFLAC')) return 'audio/ogg';
  if (hasBytes(head, 28, '\u0080theora')) return 'video/ogg';
  return 'application/ogg';
}

/** BMP: `BM` alone is too weak (plenty of text starts with it), so check the header too. */
function isBmp(head: Uint8Array): boolean {
  const dibHeaderSizes = [12, 16, 40, 52, 56, 64, 108, 124];
  return hasBytes(head, 0, 'BM') && head.length >= 18 && uint32le(head, 6) === 0 && dibHeaderSizes.includes(uint32le(head, 14));
}

/** ICO: reserved 0, type 1, at least one image, and the first entry's reserved byte 0. */
function isIco(head: Uint8Array): boolean {
  return hasBytes(head, 0, [0x00, 0x00, 0x01, 0x00]) && head.length >= 22 && uint16le(head, 4) > 0 && head[9] === 0;
}

/**
 * Windows PE and DOS executables. `MZ` is two ASCII letters, but a real DOS header always
 * holds zero bytes in its first 64 bytes, which text never does.
 */
function isWindowsExecutable(head: Uint8Array): boolean {
  return hasBytes(head, 0, 'MZ') && head.length >= 64 && head.subarray(2, 64).includes(0);
}

/** `CAFEBABE` starts both universal Mach-O binaries and Java classes; the next word tells. */
function sniffCafeBabe(head: Uint8Array): string {
  const next = uint32be(head, 4);
  // Universal binaries hold a handful of architectures; Java class versions start at 45.
  return next > 0 && next < 45 ? 'application/x-mach-binary' : 'application/java-vm';
}

function sniffMatroska(head: Uint8Array): string {
  return ascii(head, 0, 64).includes('webm') ? 'video/webm' : 'video/x-matroska';
}

/** Formats recognised by magic bytes; undefined when none matches. */
function sniffBinary(head: Uint8Array): string | undefined {
  if (hasBytes(head, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (hasBytes(head, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (hasBytes(head, 0, 'GIF87a') || hasBytes(head, 0, 'GIF89a')) return 'image/gif';
  if (hasBytes(head, 0, 'RIFF') && hasBytes(head, 8, 'WEBP')) return 'image/webp';
  if (hasBytes(head, 0, 'RIFF') && hasBytes(head, 8, 'WAVE')) return 'audio/wav';
  if (hasBytes(head, 0, 'RIFF') && hasBytes(head, 8, 'AVI ')) return 'video/x-msvideo';
  if (isBmp(head)) return 'image/bmp';
  if (hasBytes(head, 0, [0x49, 0x49, 0x2a, 0x00]) || hasBytes(head, 0, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (hasBytes(head, 0, [0x49, 0x49, 0x2b, 0x00]) || hasBytes(head, 0, [0x4d, 0x4d, 0x00, 0x2b])) return 'image/tiff';
  if (isIco(head)) return 'image/vnd.microsoft.icon';
  if (hasBytes(head, 0, '%PDF-')) return 'application/pdf';
  if (hasBytes(head, 0, [0x50, 0x4b, 0x03, 0x04])) return sniffZip(head);
  if (hasBytes(head, 0, [0x50, 0x4b, 0x05, 0x06]) || hasBytes(head, 0, [0x50, 0x4b, 0x07, 0x08])) return 'application/zip';
  if (hasBytes(head, 0, [0x1f, 0x8b, 0x08])) return 'application/gzip';
  if (hasBytes(head, 0, 'BZh') && (head[3] ?? 0) >= 0x31 && (head[3] ?? 0) <= 0x39) return 'application/x-bzip2';
  if (hasBytes(head, 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'application/x-xz';
  if (hasBytes(head, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return 'application/x-7z-compressed';
  if (isId3Tag(head) || isMpegAudioFrame(head)) return 'audio/mpeg';
  // The box size comes first; requiring its top byte to be 0 keeps text like `abcdftyp` out.
  if (head[0] === 0 && hasBytes(head, 4, 'ftyp')) return sniffIsoMedia(head);
  if (hasBytes(head, 0, [0x1a, 0x45, 0xdf, 0xa3])) return sniffMatroska(head);
  if (hasBytes(head, 0, 'OggS')) return sniffOgg(head);
  if (hasBytes(head, 0, 'fLaC')) return 'audio/flac';
  if (hasBytes(head, 0, [0x00, 0x61, 0x73, 0x6d])) return 'application/wasm';
  if (hasBytes(head, 0, [0x7f, 0x45, 0x4c, 0x46])) return 'application/x-elf';
  if (isWindowsExecutable(head)) return 'application/x-msdownload';
  for (const magic of [
    [0xfe, 0xed, 0xfa, 0xce],
    [0xfe, 0xed, 0xfa, 0xcf],
    [0xce, 0xfa, 0xed, 0xfe],
    [0xcf, 0xfa, 0xed, 0xfe],
  ]) {
    if (hasBytes(head, 0, magic)) return 'application/x-mach-binary';
  }
  if (hasBytes(head, 0, [0xca, 0xfe, 0xba, 0xbe])) return sniffCafeBabe(head);
  return undefined;
}

/** Markup scanner over the head decoded as text; all matching is ASCII case-insensitive. */
class MarkupScanner {
  private position = 0;

  constructor(private readonly text: string) {}

  skipWhitespace(): void {
    while (this.position < this.text.length && ' \t\n\r\f'.includes(this.text.charAt(this.position))) this.position += 1;
  }

  /** `<word` here, followed by `>`, whitespace, `/` (the HTML parser accepts `<script/src=`) or the head's end. */
  atTag(word: string, extraTerminators = ''): boolean {
    const tag = `<${word}`;
    if (!this.startsWith(tag)) return false;
    const after = this.text.charAt(this.position + tag.length);
    return after === '' || ` \t\n\r\f>/${extraTerminators}`.includes(after);
  }

  startsWith(prefix: string): boolean {
    return this.text.slice(this.position, this.position + prefix.length).toLowerCase() === prefix;
  }

  /** Moves past the next `terminator`; false when the head ends first. */
  skipPast(terminator: string): boolean {
    const end = this.text.indexOf(terminator, this.position);
    if (end === -1) return false;
    this.position = end + terminator.length;
    return true;
  }

  /** Skips `<!DOCTYPE ...>` including an internal subset in `[...]`. */
  skipDoctype(): boolean {
    const close = this.text.indexOf('>', this.position);
    const subset = this.text.indexOf('[', this.position);
    if (subset !== -1 && (close === -1 || subset < close)) {
      this.position = subset;
      return this.skipPast(']') && this.skipPast('>');
    }
    return this.skipPast('>');
  }

  contains(fragment: string): boolean {
    return this.text.toLowerCase().includes(fragment);
  }
}

/**
 * HTML, SVG and XML by their first markup. Prolog items (XML declaration, comments,
 * processing instructions, doctypes) are skipped to reach the root element; any HTML tag
 * there, or an HTML doctype, makes it HTML. A document that starts with a comment and has no
 * recognisable root is HTML, as a browser would treat it.
 */
function sniffMarkup(text: string): string | undefined {
  const scanner = new MarkupScanner(text);
  scanner.skipWhitespace();
  const isXml = scanner.startsWith('<?xml');
  let sawComment = false;
  let parsed = true;
  for (;;) {
    scanner.skipWhitespace();
    if (scanner.atTag('!doctype html')) {
      return 'text/html';
    } else if (scanner.startsWith('<!--')) {
      sawComment = true;
      parsed = scanner.skipPast('-->');
    } else if (scanner.startsWith('<?')) {
      parsed = scanner.skipPast('?>');
    } else if (scanner.startsWith('<!doctype')) {
      parsed = scanner.skipDoctype();
    } else {
      break;
    }
    if (!parsed) break;
  }
  if (parsed) {
    if (scanner.atTag('svg', ':')) return 'image/svg+xml';
    if (HTML_TAGS.some((tag) => scanner.atTag(tag))) return 'text/html';
  }
  if (isXml) return !parsed && scanner.contains('<svg') ? 'image/svg+xml' : 'application/xml';
  if (sawComment) return 'text/html';
  return undefined;
}

const allowedControls = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x1b]);

/**
 * True when `bytes` are UTF-8 (a sequence cut off by the end of the head is fine) without NUL
 * and with at most one disallowed control character (C0 other than \t \n \f \r ESC, DEL, C1)
 * per 100 bytes.
 */
function isUtf8Text(bytes: Uint8Array): boolean {
  let controls = 0;
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] ?? 0;
    if (lead === 0) return false;
    if (lead < 0x80) {
      if ((lead < 0x20 && !allowedControls.has(lead)) || lead === 0x7f) controls += 1;
      index += 1;
      continue;
    }
    let length: number;
    let codePoint: number;
    if (lead >= 0xc2 && lead <= 0xdf) [length, codePoint] = [2, lead & 0x1f];
    else if (lead >= 0xe0 && lead <= 0xef) [length, codePoint] = [3, lead & 0x0f];
    else if (lead >= 0xf0 && lead <= 0xf4) [length, codePoint] = [4, lead & 0x07];
    else return false;
    // A sequence cut off by the end of the head is checked as far as it goes.
    const available = Math.min(length, bytes.length - index);
    for (let k = 1; k < available; k += 1) {
      const next = bytes[index + k] ?? 0;
      if ((next & 0xc0) !== 0x80) return false;
      codePoint = (codePoint << 6) | (next & 0x3f);
      // Reject overlong forms, surrogates and code points past U+10FFFF as early as the
      // second byte tells, so a truncated tail is only accepted if it could still be valid.
      if (k === 1) {
        if (length === 3 && lead === 0xe0 && next < 0xa0) return false;
        if (length === 3 && lead === 0xed && next > 0x9f) return false;
        if (length === 4 && lead === 0xf0 && next < 0x90) return false;
        if (length === 4 && lead === 0xf4 && next > 0x8f) return false;
      }
    }
    if (available === length && codePoint >= 0x80 && codePoint <= 0x9f) controls += 1;
    index += length;
  }
  return controls * 100 <= bytes.length;
}

/** Decodes a head with a UTF-16 byte order mark; undefined without one. */
function decodeUtf16(head: Uint8Array): string | undefined {
  const le = hasBytes(head, 0, [0xff, 0xfe]);
  const be = hasBytes(head, 0, [0xfe, 0xff]);
  if (!le && !be) return undefined;
  const body = Buffer.from(head.subarray(2, 2 + ((head.length - 2) & ~1)));
  if (be) body.swap16();
  return body.toString('utf16le');
}

/**
 * Sniffs a file's content type from its first bytes (only the first {@link SNIFF_HEAD_BYTES}
 * are looked at). Order: binary formats by magic bytes at offset 0 (images, PDF, archives
 * including OOXML, audio and video, WASM and executables); then, after an optional BOM and
 * whitespace, markup: `text/html` (doctype html or a WHATWG HTML tag such as `<html`,
 * `<script`, `<iframe`, ASCII case-insensitive, ended by `>`, whitespace, `/` or the head's
 * end, or a leading comment), `image/svg+xml` (an `<svg` root, after an optional XML
 * declaration, comments and doctype) and `application/xml` (`<?xml`); then `#!` scripts
 * (`text/x-shellscript`) and TAR (`ustar` at 257). HTML is checked before TAR, whose header
 * starts with a free-text file name, so that disguised HTML can never hide as a TAR.
 * Otherwise `text/plain` for UTF-8 (or UTF-16 with a BOM) text with few controls, else
 * {@link UNKNOWN_BINARY_TYPE}. An empty head is {@link UNKNOWN_BINARY_TYPE} too: nothing to
 * render, and allow lists need no special entry for empty files. JSON, CSV and the like
 * are `text/plain` on purpose.
 */
export function sniffContentType(head: Uint8Array): string {
  const bytes = head.subarray(0, SNIFF_HEAD_BYTES);
  if (bytes.length === 0) return UNKNOWN_BINARY_TYPE;
  const binary = sniffBinary(bytes);
  if (binary !== undefined) return binary;

  const utf16 = decodeUtf16(bytes);
  if (utf16 !== undefined) {
    // The decoded text may hold NUL etc. as U+0000; the BOM alone is enough to call it text.
    return sniffMarkup(utf16) ?? (utf16.includes('\u0000') ? UNKNOWN_BINARY_TYPE : 'text/plain');
  }
  const body = hasBytes(bytes, 0, [0xef, 0xbb, 0xbf]) ? bytes.subarray(3) : bytes;
  // Markup bytes are ASCII, so a byte-for-character decoding is enough to find them.
  const markup = sniffMarkup(ascii(body, 0, body.length));
  if (markup !== undefined) return markup;
  if (hasBytes(body, 0, '#!')) return 'text/x-shellscript';
  if (hasBytes(bytes, 257, 'ustar')) return 'application/x-tar';
  return isUtf8Text(body) ? 'text/plain' : UNKNOWN_BINARY_TYPE;
}
