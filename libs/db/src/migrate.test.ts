import { describe, expect, it } from 'vitest';
import { MigrationError, planMigrations, schemaLockKey, validateMigrationList, type Migration } from './migrate.js';

const step = (name: string): Migration => ({ name, up: () => Promise.resolve() });
const names = (migrations: readonly Migration[]) => migrations.map((migration) => migration.name);

describe('validateMigrationList', () => {
  it('accepts NNNN_snake_case names in strictly ascending order', () => {
    expect(() => validateMigrationList('users', [step('0001_create_users'), step('0002_add_email_index'), step('0010_x')])).not.toThrow();
    expect(() => validateMigrationList('users', [])).not.toThrow();
  });

  it('refuses badly formed names', () => {
    for (const name of ['1_create', 'create_users', '0001-create', '0001_Create', '0001_', '00001_x']) {
      expect(() => validateMigrationList('users', [step(name)])).toThrow(MigrationError);
    }
  });

  it('refuses duplicates and a list out of order', () => {
    expect(() => validateMigrationList('users', [step('0001_a'), step('0001_a')])).toThrow(/strictly ascending order: 0001_a comes after 0001_a/);
    expect(() => validateMigrationList('users', [step('0002_b'), step('0001_a')])).toThrow(/0001_a comes after 0002_b/);
  });
});

describe('planMigrations', () => {
  const all = [step('0001_a'), step('0002_b'), step('0003_c')];

  it('returns everything for a new schema, the tail for a partly migrated one, nothing when up to date', () => {
    expect(names(planMigrations('users', all, []))).toEqual(['0001_a', '0002_b', '0003_c']);
    expect(names(planMigrations('users', all, ['0001_a']))).toEqual(['0002_b', '0003_c']);
    expect(names(planMigrations('users', all, ['0003_c', '0001_a', '0002_b']))).toEqual([]);
  });

  it('refuses a database migrated by a newer build', () => {
    const attempt = () => planMigrations('users', all, ['0001_a', '0002_b', '0003_c', '0004_d']);
    expect(attempt).toThrow(MigrationError);
    expect(attempt).toThrow('Schema "users" records migrations this build does not define: 0004_d (was it migrated by a newer version?)');
  });

  it('refuses a migration inserted before one already applied', () => {
    const attempt = () => planMigrations('users', all, ['0001_a', '0003_c']);
    expect(attempt).toThrow('Migration 0002_b of schema "users" is not applied, but the later 0003_c is: only append new migrations');
    expect(attempt).toThrow(expect.objectContaining({ schema: 'users', migration: '0002_b' }) as Error);
  });
});

describe('schemaLockKey', () => {
  it('is a stable signed 32-bit integer that differs between schemas', () => {
    const users = schemaLockKey('users');
    expect(schemaLockKey('users')).toBe(users);
    expect(Number.isInteger(users) && users >= -(2 ** 31) && users < 2 ** 31).toBe(true);
    expect(schemaLockKey('auth')).not.toBe(users);
    // FNV-1a of "a" is 0xe40c292c, which as int4 is negative.
    expect(schemaLockKey('a')).toBe(0xe40c292c | 0);
  });
});
