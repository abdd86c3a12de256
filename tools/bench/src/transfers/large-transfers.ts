import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { Client } from 'minio';
import type { BenchResult } from '../bench-result.js';
import { generatedBody } from '../harness/generated-body.js';
import { cpuSnapshot } from '../harness/process-cpu.js';
import { memoryOf, resetPeakMemory } from '../harness/process-memory.js';

const MIB = 1024 ** 2;

/** The two processes whose memory a transfer may grow (item 9). */
export interface TransferPids {
  readonly gateway: number;
  readonly file: number;
}

export interface LargeTransferOptions {
  readonly gatewayUrl: string;
  readonly accessToken: string;
  /** Bytes per transfer: 1 GiB in a full run. */
  readonly bytes: number;
  readonly repetitions: number;
  readonly pids: TransferPids;
  readonly log: (line: string) => void;
}

/** Peak RSS growth of the gateway and the file service over one transfer, in MiB. */
interface MemoryGrowth {
  readonly gatewayExtra: number;
  readonly fileExtra: number;
  readonly gatewayPeak: number;
  readonly filePeak: number;
}

/** Resets both peaks, runs `transfer`, and reports how far each peak rose above the RSS before. */
async function withMemoryWatch<T>(pids: TransferPids, transfer: () => Promise<T>): Promise<{ value: T; memory: MemoryGrowth }> {
  resetPeakMemory(pids.gateway);
  resetPeakMemory(pids.file);
  const gatewayBefore = memoryOf(pids.gateway);
  const fileBefore = memoryOf(pids.file);
  const value = await transfer();
  const gatewayAfter = memoryOf(pids.gateway);
  const fileAfter = memoryOf(pids.file);
  return {
    value,
    memory: {
      gatewayExtra: gatewayAfter.peakMiB - gatewayBefore.rssMiB,
      fileExtra: fileAfter.peakMiB - fileBefore.rssMiB,
      gatewayPeak: gatewayAfter.peakMiB,
      filePeak: fileAfter.peakMiB,
    },
  };
}

/** Streams `bytes` to POST /v1/files; resolves with the new file's id and the seconds it took. */
export function uploadThroughGateway(options: { gatewayUrl: string; accessToken: string; bytes: number; block: Buffer; name: string }): Promise<{ id: string; seconds: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${options.gatewayUrl}/v1/files?name=${encodeURIComponent(options.name)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/octet-stream', 'content-length': String(options.bytes) },
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (response.statusCode !== 201) {
          reject(new Error(`upload answered ${response.statusCode}: ${body.slice(0, 300)}`));
          return;
        }
        const file = JSON.parse(body) as { id: string; size: number };
        if (file.size !== options.bytes) reject(new Error(`upload stored ${file.size} bytes of ${options.bytes}`));
        else resolve({ id: file.id, seconds });
      });
    });
    req.on('error', reject);
    generatedBody(options.bytes, options.block).pipe(req);
  });
}

/** Reads GET /v1/files/{id}/content to the end; resolves with the seconds it took. */
function downloadThroughGateway(gatewayUrl: string, accessToken: string, id: string, bytes: number): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gatewayUrl}/v1/files/${id}/content`, { headers: { authorization: `Bearer ${accessToken}` } });
    req.on('response', (response) => {
      let received = 0;
      response.on('data', (chunk: Buffer) => (received += chunk.length));
      response.on('end', () => {
        if (response.statusCode !== 200 || received !== bytes) reject(new Error(`download answered ${response.statusCode} with ${received} of ${bytes} bytes`));
        else resolve(Number(process.hrtime.bigint() - started) / 1e9);
      });
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function directGet(s3: Client, bucket: string, key: string, bytes: number): Promise<void> {
  let received = 0;
  for await (const chunk of await s3.getObject(bucket, key)) received += (chunk as Buffer).length;
  if (received !== bytes) throw new Error(`direct GET read ${received} of ${bytes} bytes`);
}

const sizeLabel = (bytes: number): string => (bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / MIB} MiB`);

/**
 * Items 1, 2 and the transfer half of 9 on S3: the same bytes through the gateway and straight
 * to the S3 server with the minio client, alternating (baseline first) in every repetition.
 */
/** "gateway 2.1 s, file 3.4 s": CPU seconds per GiB moved, per process, from accumulated /proc readings. */
function cpuPerGiB(totals: Record<string, number>, bytesMoved: number): string {
  const entries = Object.entries(totals)
    .map(([name, seconds]) => [name, (seconds * 1024 ** 3) / bytesMoved] as const)
    .filter(([, seconds]) => seconds >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  return `CPU per GiB moved: ${entries.map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`).join(', ')} (user + system, /proc/<pid>/stat, over the Coffer runs)`;
}

async function withCpu<T>(pids: Readonly<Record<string, number>>, totals: Record<string, number>, action: () => Promise<T>): Promise<T> {
  const before = cpuSnapshot(pids);
  const value = await action();
  const after = cpuSnapshot(pids);
  for (const name of Object.keys(pids)) totals[name] = (totals[name] ?? 0) + (after[name] ?? 0) - (before[name] ?? 0);
  return value;
}

export async function runLargeTransfersOnS3(
  options: LargeTransferOptions & { readonly s3: Client; readonly directBucket: string; readonly allPids: Readonly<Record<string, number>> },
): Promise<BenchResult[]> {
  const { s3, directBucket, bytes } = options;
  const block = randomBytes(MIB);
  const label = sizeLabel(bytes);
  if (!(await s3.bucketExists(directBucket))) await s3.makeBucket(directBucket);

  // Warm-up: JIT, connection pools, V8's young generation growing to its working size.
  const warmBytes = Math.min(bytes, 64 * MIB);
  const warm = await uploadThroughGateway({ ...options, bytes: warmBytes, block, name: 'warm-up.bin' });
  await downloadThroughGateway(options.gatewayUrl, options.accessToken, warm.id, warmBytes);
  await s3.putObject(directBucket, 'warm-up.bin', generatedBody(warmBytes, block), warmBytes);
  await directGet(s3, directBucket, 'warm-up.bin', warmBytes);

  const rate = (seconds: number): number => bytes / MIB / seconds;
  const up = { coffer: [] as number[], direct: [] as number[] };
  const down = { coffer: [] as number[], direct: [] as number[] };
  const memory = { upload: [] as MemoryGrowth[], download: [] as MemoryGrowth[] };
  const cpu = { upload: {} as Record<string, number>, download: {} as Record<string, number> };
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    const key = `direct-${repetition}.bin`;
    up.direct.push(rate(await timed(() => s3.putObject(directBucket, key, generatedBody(bytes, block), bytes))));
    const uploaded = await withCpu(options.allPids, cpu.upload, () => withMemoryWatch(options.pids, () => uploadThroughGateway({ ...options, block, name: `large-${repetition}.bin` })));
    up.coffer.push(rate(uploaded.value.seconds));
    memory.upload.push(uploaded.memory);

    down.direct.push(rate(await timed(() => directGet(s3, directBucket, key, bytes))));
    const downloaded = await withCpu(options.allPids, cpu.download, () =>
      withMemoryWatch(options.pids, () => downloadThroughGateway(options.gatewayUrl, options.accessToken, uploaded.value.id, bytes)),
    );
    down.coffer.push(rate(downloaded.value));
    memory.download.push(downloaded.memory);
    options.log(
      `  ${label} #${repetition + 1}: upload ${up.coffer.at(-1)?.toFixed(0)} vs ${up.direct.at(-1)?.toFixed(0)} MiB/s, download ${down.coffer.at(-1)?.toFixed(0)} vs ${down.direct.at(-1)?.toFixed(0)} MiB/s`,
    );
    await s3.removeObject(directBucket, key);
  }

  const mibps = (samples: number[]) => ({ unit: 'MiB/s', samples });
  const extraTarget = { kind: 'at-most', value: 64, unit: 'MiB' } as const;
  const peakNote = (growths: MemoryGrowth[], service: 'gateway' | 'file') =>
    `peak RSS ${growths.map((growth) => (service === 'gateway' ? growth.gatewayPeak : growth.filePeak).toFixed(0)).join(', ')} MiB; extra = peak during the transfer − RSS just before it (peak reset through /proc/<pid>/clear_refs)`;
  return [
    {
      id: 'upload-large-s3',
      section: 1,
      title: `${label} upload through the gateway, S3 store`,
      coffer: mibps(up.coffer),
      baseline: { name: 'minio client putObject, same bytes, same S3 server', series: mibps(up.direct) },
      higherIsBetter: true,
      target: { kind: 'ratio-at-least', value: 0.85 },
      notes: ['Coffer pays auth, rate limit, policy, SHA-256 and HMAC of the content, metadata write and an event; the minio client uploads multipart in 64 MiB parts.', cpuPerGiB(cpu.upload, bytes * options.repetitions)],
    },
    {
      id: 'download-large-s3',
      section: 2,
      title: `${label} download through the gateway, S3 store`,
      coffer: mibps(down.coffer),
      baseline: { name: 'minio client getObject, same S3 server', series: mibps(down.direct) },
      higherIsBetter: true,
      target: { kind: 'ratio-at-least', value: 0.9 },
      notes: ['Coffer re-checks SHA-256 and HMAC on every full download (COFFER_VERIFY_ON_READ, on by default) and relays gateway ← file service ← S3.', cpuPerGiB(cpu.download, bytes * options.repetitions)],
    },
    ...(['upload', 'download'] as const).flatMap((direction): BenchResult[] =>
      (['gateway', 'file'] as const).map((service) => ({
        id: `rss-extra-${direction}-${service}`,
        section: 9,
        title: `Extra RSS of the ${service === 'gateway' ? 'gateway' : 'file service'} during the ${label} ${direction}`,
        coffer: { unit: 'MiB', samples: memory[direction].map((growth) => (service === 'gateway' ? growth.gatewayExtra : growth.fileExtra)) },
        higherIsBetter: false,
        target: extraTarget,
        notes: [peakNote(memory[direction], service)],
      })),
    ),
  ];
}

/**
 * The filesystem half of item 1: a platform on the embedded defaults (filesystem store)
 * against writing the same bytes to a file on the same disk and fdatasync-ing it.
 */
export async function runLargeUploadOnFilesystem(options: LargeTransferOptions & { readonly scratchDir: string }): Promise<BenchResult[]> {
  const block = randomBytes(MIB);
  const { bytes } = options;
  const label = sizeLabel(bytes);
  const rawWrite = async (path: string): Promise<void> => {
    const handle = await open(path, 'w');
    try {
      for (let written = 0; written < bytes; written += block.length) await handle.write(block, 0, Math.min(block.length, bytes - written));
      await handle.datasync();
    } finally {
      await handle.close();
    }
  };
  await uploadThroughGateway({ ...options, bytes: Math.min(bytes, 64 * MIB), block, name: 'warm-up.bin' });
  await rawWrite(join(options.scratchDir, 'warm-up.bin'));
  await rm(join(options.scratchDir, 'warm-up.bin'), { force: true });
  const coffer: number[] = [];
  const raw: number[] = [];
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    const rawPath = join(options.scratchDir, `raw-${repetition}.bin`);
    raw.push(bytes / MIB / (await timed(() => rawWrite(rawPath))));
    await rm(rawPath, { force: true });
    const uploaded = await uploadThroughGateway({ ...options, block, name: `large-${repetition}.bin` });
    coffer.push(bytes / MIB / uploaded.seconds);
    options.log(`  ${label} filesystem #${repetition + 1}: upload ${coffer.at(-1)?.toFixed(0)} vs raw write ${raw.at(-1)?.toFixed(0)} MiB/s`);
  }
  return [
    {
      id: 'upload-large-filesystem',
      section: 1,
      title: `${label} upload through the gateway, filesystem store (embedded defaults)`,
      coffer: { unit: 'MiB/s', samples: coffer },
      baseline: { name: 'raw write of the same bytes + fdatasync, same disk', series: { unit: 'MiB/s', samples: raw } },
      higherIsBetter: true,
      target: { kind: 'ratio-at-least', value: 0.85 },
      notes: ['The embedded platform also keeps metadata in PGlite and events on the embedded bus; the raw write is 1 MiB writes then one fdatasync, timed until fdatasync returns.'],
    },
  ];
}
