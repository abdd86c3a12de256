import { describe, expect, it } from 'vitest';
import { parseEngineStatus } from './engine-status.js';

const STATUS = `postgres: up (127.0.0.1:55432, PostgreSQL 15.18 (Debian 15.18-0+deb12u1))
redis: up (127.0.0.1:56379, Redis 7.0.15)
kafka: up (127.0.0.1:59092, Kafka 4.1.2, pid 15380, data /work/.coffer/engines/kafka/data)
s3: down
clickhouse: up (http 127.0.0.1:58123, native 127.0.0.1:59010, ClickHouse 18.16.1)
`;

describe('parseEngineStatus', () => {
  it('reads each version and names the engines that are down or missing', () => {
    expect(parseEngineStatus(STATUS)).toEqual({
      versions: { postgres: 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1)', redis: 'Redis 7.0.15', kafka: 'Kafka 4.1.2', clickhouse: 'ClickHouse 18.16.1' },
      down: ['s3'],
    });
    expect(parseEngineStatus('').down).toEqual(['postgres', 'redis', 'kafka', 's3', 'clickhouse']);
  });
});
