import { describe, expect, it } from 'vitest';
import { clickHouseOf, consumerGroupId, eventNamespaceOf, kafkaBrokersOf } from './engine-urls.js';

describe('kafkaBrokersOf', () => {
  it('lists the brokers of a kafka:// URL', () => {
    expect(kafkaBrokersOf('kafka://127.0.0.1:59092')).toEqual(['127.0.0.1:59092']);
    expect(kafkaBrokersOf('kafka://a:1,b:2')).toEqual(['a:1', 'b:2']);
  });

  it('refuses a platform that is not on Kafka', () => {
    expect(() => kafkaBrokersOf('peer://audit,webhook')).toThrow(/Kafka/);
    expect(() => kafkaBrokersOf(undefined)).toThrow(/Kafka/);
  });
});

describe('eventNamespaceOf and consumerGroupId', () => {
  it('read the namespace the services read, and scope groups by it', () => {
    expect(kafkaBrokersOf('kafka://a:1,b:2?namespace=bench-x')).toEqual(['a:1', 'b:2']);
    expect(eventNamespaceOf('kafka://a:1?partitions=3&namespace=bench-x')).toBe('bench-x');
    expect(eventNamespaceOf('kafka://a:1')).toBe('coffer');
    expect(consumerGroupId('audit', 'kafka://a:1?namespace=bench-x')).toBe('bench-x.audit');
    expect(consumerGroupId('audit', 'kafka://a:1')).toBe('audit');
  });
});

describe('clickHouseOf', () => {
  it('reads the HTTP URL and the database as the audit service does', () => {
    expect(clickHouseOf('clickhouse://127.0.0.1:58123/bench_audit')).toEqual({ url: 'http://127.0.0.1:58123', database: 'bench_audit' });
    expect(clickHouseOf('http://u:p@ch:8123?database=x')).toEqual({ url: 'http://u:p@ch:8123', database: 'x' });
    expect(clickHouseOf('http://ch:8123')).toEqual({ url: 'http://ch:8123', database: 'coffer_audit' });
  });

  it('refuses the embedded store', () => {
    expect(() => clickHouseOf('embedded')).toThrow(/ClickHouse/);
    expect(() => clickHouseOf(undefined)).toThrow(/ClickHouse/);
  });
});
