import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A throwaway copy of the contracts and the codegen tool, sharing this repo's node_modules. */
function copyOfContracts(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-codegen-check-'));
  for (const path of ['proto', 'openapi', 'events', 'docs/events.md', 'tools/codegen', 'libs/contracts/src', 'sdk/typescript/src/generated']) {
    cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function runCheck(root: string) {
  return spawnSync(process.execPath, [join(root, 'tools/codegen/codegen.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
}

describe('codegen:check', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes when the generated files match the contracts', () => {
    dir = copyOfContracts();
    const result = runCheck(dir);
    expect(result.stderr).not.toContain('not up to date');
    expect(result.status).toBe(0);
  }, 60_000);

  it('fails, naming the file, when a .proto changed without regenerating', () => {
    dir = copyOfContracts();
    appendFileSync(join(dir, 'proto/coffer/health/v1/health.proto'), '\nmessage AddedWithoutRegenerating {\n  string note = 1;\n}\n');
    const result = runCheck(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Generated files not up to date!');
    expect(result.stderr).toContain('differs: proto/coffer/health/v1/health.generated.ts');
  }, 60_000);

  it('fails when the OpenAPI contract changed without regenerating', () => {
    dir = copyOfContracts();
    appendFileSync(join(dir, 'openapi/coffer.yaml'), '    Extra:\n      type: string\n');
    const result = runCheck(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('differs: openapi/coffer.generated.ts');
  }, 60_000);

  it("fails when the SDK's copy of the OpenAPI types was edited by hand", () => {
    dir = copyOfContracts();
    appendFileSync(join(dir, 'sdk/typescript/src/generated/openapi.generated.ts'), 'export type EditedByHand = true;\n');
    const result = runCheck(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('differs: sdk/typescript/src/generated/openapi.generated.ts');
  }, 60_000);

  it('fails when an event schema changed without regenerating', () => {
    dir = copyOfContracts();
    const schemaFile = join(dir, 'events/schemas/file.deleted.v1.json');
    writeFileSync(schemaFile, readFileSync(schemaFile, 'utf8').replace('"purged"', '"purgedForGood"'));
    const result = runCheck(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('differs: events/event-schemas.generated.ts');
  }, 60_000);
});
