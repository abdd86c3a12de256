/**
 * Reads the parts of a service's proto contract that the `service` generator needs: the
 * package, the services and their RPCs. This is a small reader for the proto3 subset Coffer's
 * contracts use (buf lints them with STANDARD rules), not a full protobuf parser: comments and
 * strings are understood, options and message bodies are skipped.
 */

/** @typedef {import('@nx/devkit').Tree} Tree */

/**
 * @typedef {object} ContractRpc
 * @property {string} name RPC name as written in the contract, e.g. `CreateFile`.
 * @property {string} methodPath Full gRPC method path, e.g. `/coffer.metadata.v1.MetadataService/CreateFile`.
 * @property {boolean} clientStreaming
 * @property {boolean} serverStreaming
 */

/**
 * @typedef {object} ContractService
 * @property {string} name e.g. `MetadataService`.
 * @property {string | undefined} comment The `//` comment right above `service`, joined into one line.
 * @property {ContractRpc[]} rpcs
 */

/**
 * @typedef {object} ServiceContract
 * @property {string} path Contract path relative to the workspace root.
 * @property {string} protoPackage e.g. `coffer.metadata.v1`.
 * @property {ContractService[]} services
 */

/**
 * Where the contract of service `name` lives, relative to the workspace root.
 * @param {string} name
 * @returns {string}
 */
export function contractPathOf(name) {
  return `proto/coffer/${name}/v1/${name}.proto`;
}

/**
 * Reads and checks the contract of service `name` from the tree. Throws when the contract is
 * missing (contract first), declares another package, or has no RPC.
 * @param {Tree} tree
 * @param {string} name
 * @returns {ServiceContract}
 */
export function readServiceContract(tree, name) {
  const path = contractPathOf(name);
  const source = tree.read(path, 'utf-8');
  if (source === null) {
    throw new Error(
      `No contract for service "${name}": ${path} does not exist. Coffer is contract first: ` +
        `write and review ${path} (package coffer.${name}.v1), run \`npx nx run contracts:codegen\`, then run this generator.`,
    );
  }
  const contract = parseServiceContract(source, path);
  const expectedPackage = `coffer.${name}.v1`;
  if (contract.protoPackage !== expectedPackage) {
    throw new Error(`${path} declares package "${contract.protoPackage}", expected "${expectedPackage}".`);
  }
  if (contract.services.length === 0) {
    throw new Error(`${path} declares no service; a gRPC service app needs at least one service with RPCs.`);
  }
  for (const service of contract.services) {
    if (service.rpcs.length === 0) throw new Error(`${path}: service ${service.name} declares no rpc.`);
  }
  return contract;
}

/**
 * Parses proto source text into the package and the services with their RPCs.
 * @param {string} source
 * @param {string} path Only used in error messages.
 * @returns {ServiceContract}
 */
export function parseServiceContract(source, path) {
  const code = blankComments(source);
  const packageMatch = /^\s*package\s+([A-Za-z_][\w.]*)\s*;/m.exec(code);
  if (!packageMatch?.[1]) throw new Error(`${path} has no package declaration.`);
  const protoPackage = packageMatch[1];

  /** @type {ContractService[]} */
  const services = [];
  for (const serviceMatch of code.matchAll(/\bservice\s+([A-Za-z_]\w*)\s*\{/g)) {
    const serviceName = serviceMatch[1] ?? '';
    const bodyStart = serviceMatch.index + serviceMatch[0].length;
    const body = code.slice(bodyStart, closingBraceIndex(code, bodyStart, path));
    const rpcs = [...body.matchAll(/\brpc\s+([A-Za-z_]\w*)\s*\(\s*(stream\s+)?[\w.]+\s*\)\s*returns\s*\(\s*(stream\s+)?[\w.]+\s*\)/g)].map(
      (rpcMatch) => {
        const rpcName = rpcMatch[1] ?? '';
        return {
          name: rpcName,
          methodPath: `/${protoPackage}.${serviceName}/${rpcName}`,
          clientStreaming: rpcMatch[2] !== undefined,
          serverStreaming: rpcMatch[3] !== undefined,
        };
      },
    );
    services.push({ name: serviceName, comment: leadingComment(source, serviceMatch.index), rpcs });
  }
  return { path, protoPackage, services };
}

/**
 * Replaces comments with spaces, keeping string literals (a `//` inside an option value is
 * not a comment) and every offset, so indexes into the result are indexes into the source.
 * @param {string} source
 * @returns {string}
 */
function blankComments(source) {
  return source.replace(/("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (match, literal) =>
    typeof literal === 'string' ? literal : match.replace(/[^\n]/g, ' '),
  );
}

/**
 * @param {string} code Source with comments blanked.
 * @param {number} from Index just after an opening brace.
 * @param {string} path
 * @returns {number} Index of the matching closing brace.
 */
function closingBraceIndex(code, from, path) {
  let depth = 1;
  for (let index = from; index < code.length; index += 1) {
    const char = code[index];
    if (char === '{') depth += 1;
    else if (char === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  throw new Error(`${path}: unbalanced braces in a service block.`);
}

/**
 * The run of `//` lines directly above `index` (no blank line between), joined into one line.
 * @param {string} source
 * @param {number} index
 * @returns {string | undefined}
 */
function leadingComment(source, index) {
  const lines = source.slice(0, index).split('\n');
  lines.pop(); // the text before `service` on its own line (indentation)
  /** @type {string[]} */
  const comment = [];
  for (let line = lines.pop(); line !== undefined && /^\s*\/\//.test(line); line = lines.pop()) {
    comment.unshift(line.replace(/^\s*\/\/\s?/, '').trim());
  }
  const text = comment.join(' ').trim();
  return text === '' ? undefined : text;
}
