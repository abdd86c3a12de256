import { describe, expect, it } from 'vitest';
import { fileV1, healthV1, metadataV1 } from './index.js';

describe('generated contracts', () => {
  it('round-trips a message through the protobuf wire format', () => {
    const message: healthV1.CheckResponse = {
      status: healthV1.ServingStatus.SERVING_STATUS_NOT_SERVING,
      service: 'auth',
      version: '1.2.3',
      failingChecks: ['postgres'],
    };
    const bytes = healthV1.CheckResponse.encode(message).finish();
    expect(healthV1.CheckResponse.decode(bytes)).toEqual(message);
  });

  it('keeps oneof upload parts apart (header first, then chunks)', () => {
    const chunk = fileV1.UploadFileRequest.decode(
      fileV1.UploadFileRequest.encode({ part: { $case: 'chunk', chunk: Buffer.from('abc') } }).finish(),
    );
    expect(chunk.part?.$case).toBe('chunk');
  });

  it('maps 64-bit sizes to numbers and timestamps to Dates', () => {
    const createdAt = new Date('2026-11-26T10:00:00.000Z');
    const record = metadataV1.FileRecord.fromPartial({ id: 'f1', sizeBytes: 5 * 1024 ** 3, createdAt });
    const decoded = metadataV1.FileRecord.decode(metadataV1.FileRecord.encode(record).finish());
    expect(decoded.sizeBytes).toBe(5 * 1024 ** 3);
    expect(decoded.createdAt).toEqual(createdAt);
  });

  it('names the gRPC method paths the peer allowlists refer to', () => {
    expect(healthV1.HealthServiceService.check.path).toBe('/coffer.health.v1.HealthService/Check');
  });
});
