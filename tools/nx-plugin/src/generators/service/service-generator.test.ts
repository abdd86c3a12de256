import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing.js';
import { serviceGenerator } from './service-generator.js';

const SAMPLE_CONTRACT = `syntax = "proto3";

package coffer.sample.v1;

import "google/protobuf/timestamp.proto";

// SampleService keeps samples. A "//" inside a string is not a comment:
service SampleService {
  // PutSample stores one sample.
  rpc PutSample(PutSampleRequest) returns (PutSampleResponse);
  /* rpc Commented(CommentedRequest) returns (CommentedResponse); */
  // rpc AlsoCommented(AlsoCommentedRequest) returns (AlsoCommentedResponse);
  rpc UploadSample(stream UploadSampleRequest) returns (UploadSampleResponse);
  rpc WatchSamples(WatchSamplesRequest) returns (stream WatchSamplesResponse) {
    option idempotency_level = NO_SIDE_EFFECTS;
  }
}

message PutSampleRequest { string note = 1; }
`;

const SAMPLE_DIRECTORY = `export const GRPC_SERVICES = ['auth', 'sample', 'file', 'metadata'] as const;
export const ALL_SERVICES = ['gateway', ...GRPC_SERVICES] as const;
`;

const SAMPLE_METHODS = [
  '/coffer.sample.v1.SampleService/PutSample',
  '/coffer.sample.v1.SampleService/UploadSample',
  '/coffer.sample.v1.SampleService/WatchSamples',
];

const SHAPE_OF_AUTH = [
  'package.json',
  'project.json',
  'src/main.ts',
  'src/peer-allowlist.test.ts',
  'src/peer-allowlist.ts',
  'tsconfig.build.json',
  'tsconfig.json',
  'vitest.config.ts',
];

function sampleWorkspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('proto/coffer/sample/v1/sample.proto', SAMPLE_CONTRACT);
  tree.write('libs/platform/src/service/service-directory.ts', SAMPLE_DIRECTORY);
  return tree;
}

function read(tree: Tree, path: string): string {
  const text = tree.read(path, 'utf-8');
  if (text === null) throw new Error(`${path} was not generated`);
  return text;
}

function filesUnder(tree: Tree, dir: string): string[] {
  return tree.children(dir).flatMap((child) => {
    const path = `${dir}/${child}`;
    return tree.isFile(path) ? [relative(dir, path)] : filesUnder(tree, path).map((file) => `${child}/${file}`);
  });
}

describe('service generator', () => {
  it('creates apps/<name> in the shape of apps/auth', () => {
    const tree = sampleWorkspace();
    serviceGenerator(tree, { name: 'sample', callers: ['gateway', 'file'] });

    expect(filesUnder(tree, 'apps/sample').sort()).toEqual(SHAPE_OF_AUTH);
    expect(readJson(tree, 'apps/sample/package.json')).toMatchObject({
      name: '@coffer/sample',
      description: 'SampleService keeps samples. A "//" inside a string is not a comment:',
      main: './dist/main.js',
      dependencies: { '@coffer/contracts': '*', '@coffer/platform': '*' },
    });
    expect(readJson(tree, 'apps/sample/project.json')).toMatchObject({
      name: 'sample',
      sourceRoot: 'apps/sample/src',
      tags: ['type:service', 'contract:coffer.sample.v1'],
    });
  });

  it('opens every RPC to the callers and health to the gateway, and nothing else', () => {
    const tree = sampleWorkspace();
    serviceGenerator(tree, { name: 'sample', callers: 'gateway, file' });

    const allowlist = read(tree, 'apps/sample/src/peer-allowlist.ts');
    expect(allowlist).toContain('export const samplePeerAllowlist: PeerAllowlist = {');
    expect(allowlist).toContain('defaultPeers: [],');
    expect(allowlist).toContain("[HEALTH_CHECK_METHOD]: ['gateway'],");
    for (const method of SAMPLE_METHODS) expect(allowlist).toContain(`'${method}': ['gateway', 'file'],`);
    expect(allowlist).not.toContain('Commented');
  });

  it('puts the RPC names into the allowlist test, with the callers and the refused peers', () => {
    const tree = sampleWorkspace();
    serviceGenerator(tree, { name: 'sample', callers: ['gateway', 'file'] });

    const test = read(tree, 'apps/sample/src/peer-allowlist.test.ts');
    for (const method of SAMPLE_METHODS) expect(test).toContain(`  '${method}',\n`);
    expect(test).toContain("const CALLERS: readonly string[] = ['gateway', 'file'];");
    expect(test).toContain("it.each(CALLERS.flatMap((peer) => RPC_METHODS.map((method) => [peer, method] as const)))('lets %s call %s'");
    expect(test).toContain("ALL_SERVICES.filter((peer) => !CALLERS.includes(peer))");
    expect(test).toContain("{ label: 'a caller without identity', peer: undefined }");
    expect(test).toContain("'refuses %s calling %s'");
    expect(test).toContain("it.each(ALL_SERVICES)('refuses %s a method the contract does not declare (deny by default)'");
    expect(test).toContain("'/coffer.sample.v1.SampleService/NotInTheContract'");
    expect(test).not.toContain('Commented');
  });

  it('registers the contract through notImplementedService and lists the UNIMPLEMENTED RPCs in main.ts', () => {
    const tree = sampleWorkspace();
    serviceGenerator(tree, { name: 'sample', callers: ['gateway'], description: 'Sample service: keeps samples.' });

    const main = read(tree, 'apps/sample/src/main.ts');
    expect(main).toContain(' * Entry point of the sample service. Sample service: keeps samples.\n');
    expect(main).toContain('UNIMPLEMENTED');
    expect(main).toContain(' *   - PutSample\n *   - UploadSample (client stream)\n *   - WatchSamples (server stream)\n */');
    expect(main).toContain("runMain('sample', async () => {");
    expect(main).toContain("loadServiceConfig('sample')");
    expect(main).toContain('allowlist: samplePeerAllowlist,');
    expect(main).toContain("import { sampleV1 } from '@coffer/contracts';");
    expect(main).toContain('grpcServices: () => [notImplementedService(sampleV1.SampleServiceService)],');
    expect(readJson(tree, 'apps/sample/package.json')).toMatchObject({ description: 'Sample service: keeps samples.' });
  });

  it('refuses a service without a contract (contract first)', () => {
    const tree = sampleWorkspace();
    expect(() => serviceGenerator(tree, { name: 'billing', callers: ['gateway'] })).toThrow(
      /No contract for service "billing": proto\/coffer\/billing\/v1\/billing.proto does not exist\. Coffer is contract first/,
    );
    expect(tree.exists('apps/billing')).toBe(false);
  });

  it('refuses a contract with another package or without RPCs', () => {
    const tree = sampleWorkspace();
    tree.write('proto/coffer/sample/v1/sample.proto', SAMPLE_CONTRACT.replace('coffer.sample.v1', 'coffer.other.v1'));
    expect(() => serviceGenerator(tree, { name: 'sample', callers: ['gateway'] })).toThrow(/declares package "coffer.other.v1", expected "coffer.sample.v1"/);

    tree.write('proto/coffer/sample/v1/sample.proto', 'syntax = "proto3";\npackage coffer.sample.v1;\nservice SampleService {}\n');
    expect(() => serviceGenerator(tree, { name: 'sample', callers: ['gateway'] })).toThrow(/service SampleService declares no rpc/);
  });

  it('refuses unknown callers, a service calling itself, no callers, a bad name and an existing app', () => {
    const tree = sampleWorkspace();
    expect(() => serviceGenerator(tree, { name: 'sample', callers: ['gateway', 'fiel'] })).toThrow(/Unknown caller\(s\) fiel/);
    expect(() => serviceGenerator(tree, { name: 'sample', callers: ['sample'] })).toThrow(/cannot be its own caller/);
    expect(() => serviceGenerator(tree, { name: 'sample', callers: [] })).toThrow(/at least one caller/);
    expect(() => serviceGenerator(tree, { name: 'Sample-Service', callers: ['gateway'] })).toThrow(/Invalid service name/);

    tree.write('apps/sample/README.md', 'hand-written');
    expect(() => serviceGenerator(tree, { name: 'sample', callers: ['gateway'] })).toThrow(/apps\/sample already exists/);
  });
});
