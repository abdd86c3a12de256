import { describe, expect, it } from 'vitest';
import { ALL_SERVICES } from '@coffer/platform';
import { platformPorts } from './platform-ports.js';

describe('platformPorts', () => {
  it('uses the default ports without an offset', () => {
    const ports = platformPorts(0);
    expect(ports.gatewayHttp).toBe(8080);
    expect(ports.services.auth).toEqual({ grpc: 50051, ops: 9101 });
    expect(ports.services.gateway).toEqual({ grpc: 0, ops: 9100 });
  });

  it('shifts every port by the offset and keeps them distinct, gRPC below the ephemeral port range', () => {
    const ports = platformPorts(10_000);
    expect(ports.services.webhook).toEqual({ grpc: 26_006, ops: 19107 });
    const all = [ports.gatewayHttp, ...ALL_SERVICES.flatMap((name) => [ports.services[name].grpc, ports.services[name].ops])].filter((p) => p !== 0);
    expect(new Set(all).size).toBe(all.length);
  });

  it('refuses an offset that puts an HTTP port where fetch will not connect (the gateway on 10080)', () => {
    expect(() => platformPorts(2_000)).toThrow(/10080.*bad port/);
  });

  it.each([-1, 1.5, 20_000])('refuses offset %s', (offset) => {
    expect(() => platformPorts(offset)).toThrow(/out of range/);
  });

  it('refuses an offset that is not a whole hundred', () => {
    expect(() => platformPorts(1_050)).toThrow(/whole hundred/);
  });

  it('never puts two platforms on one port, nor a shifted port in the ephemeral range (32768-60999)', () => {
    const offsets = Array.from({ length: 155 }, (_, index) => index * 100).filter((offset) => offset !== 2_000);
    const owner = new Map<number, number>();
    for (const offset of offsets) {
      const ports = platformPorts(offset);
      const all = [ports.gatewayHttp, ...ALL_SERVICES.flatMap((name) => [ports.services[name].grpc, ports.services[name].ops])].filter((port) => port !== 0);
      for (const port of all) {
        if (offset !== 0) expect(port).toBeLessThan(32_768);
        const other = owner.get(port);
        if (other !== undefined) throw new Error(`offsets ${other} and ${offset} both use port ${port}`);
        owner.set(port, offset);
      }
    }
  });
});
