/**
 * The `service` generator: creates `apps/<name>/`, a Coffer gRPC service app in the shape of
 * apps/auth, from the service's contract `proto/coffer/<name>/v1/<name>.proto`.
 *
 * Plain ESM JavaScript with JSDoc types (type-checked by `tsc` with `checkJs`): Nx 22 loads a
 * local generator written in TypeScript only when @swc-node/register or ts-node is installed,
 * and neither is a dependency of this workspace. JavaScript loads as is, offline, with no build.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFiles, logger, names } from '@nx/devkit';
import { contractPathOf, readServiceContract } from './read-service-contract.js';
import { readServiceDirectory, SERVICE_DIRECTORY_PATH } from './read-service-directory.js';

/** @typedef {import('@nx/devkit').Tree} Tree */
/** @typedef {import('@nx/devkit').GeneratorCallback} GeneratorCallback */
/** @typedef {import('./read-service-contract.js').ContractRpc} ContractRpc */

/**
 * @typedef {object} ServiceGeneratorOptions
 * @property {string} name Service name, e.g. `metadata`.
 * @property {readonly string[] | string} callers Services allowed to call every RPC; a comma-separated string is accepted too.
 * @property {string} [description] One line for package.json and main.ts; defaults to the contract's service comment.
 */

const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'files');
const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9]*$/;

/**
 * @param {Tree} tree
 * @param {ServiceGeneratorOptions} options
 * @returns {GeneratorCallback}
 */
export function serviceGenerator(tree, options) {
  const name = options.name.trim();
  if (!SERVICE_NAME_PATTERN.test(name)) {
    throw new Error(`Invalid service name "${options.name}": use lowercase letters and digits (it is also the proto package coffer.<name>.v1).`);
  }
  const contract = readServiceContract(tree, name);
  const appRoot = `apps/${name}`;
  if (tree.exists(appRoot)) throw new Error(`${appRoot} already exists; the generator does not overwrite a service.`);

  const directory = readServiceDirectory(tree);
  const callers = normalizeCallers(options.callers, name, directory.allServices);
  const rpcs = contract.services.flatMap((service) => service.rpcs);
  const serviceNames = contract.services.map((service) => service.name).join(', ');
  const description = oneLine(options.description ?? contract.services[0]?.comment ?? `${names(name).className} service.`);

  generateFiles(tree, TEMPLATES_DIR, appRoot, {
    tmpl: '',
    name,
    description,
    descriptionJson: JSON.stringify(description),
    contractPath: contract.path,
    contractTag: `contract:${contract.protoPackage}`,
    serviceNames,
    contractsNamespace: `${name}V1`,
    serviceDefinitions: contract.services.map((service) => `${service.name}Service`),
    allowlistName: `${names(name).propertyName}PeerAllowlist`,
    rpcLabels: rpcs.map(rpcLabel),
    methodPaths: rpcs.map((rpc) => rpc.methodPath),
    callersText: listInWords(callers),
    callersLiteral: `[${callers.map((caller) => `'${caller}'`).join(', ')}]`,
    unlistedMethodPath: `/${contract.protoPackage}.${contract.services[0]?.name ?? 'Service'}/NotInTheContract`,
  });

  const wired = directory.grpcServices.includes(name);
  return () => {
    if (!wired) {
      logger.warn(
        `"${name}" is not in GRPC_SERVICES of ${SERVICE_DIRECTORY_PATH}: add it there (and its defaultPorts entry) ` +
          `before ${appRoot} type-checks; loadServiceConfig('${name}') needs it.`,
      );
    }
    logger.info(`Created ${appRoot} from ${contractPathOf(name)}. Next: \`npm install\` to link @coffer/${name}, then implement its RPCs.`);
  };
}

/**
 * @param {readonly string[] | string} callers
 * @param {string} name
 * @param {readonly string[]} knownServices
 * @returns {string[]}
 */
function normalizeCallers(callers, name, knownServices) {
  const list = (typeof callers === 'string' ? callers.split(',') : callers).map((caller) => caller.trim()).filter((caller) => caller !== '');
  const unique = [...new Set(list)];
  if (unique.length === 0) throw new Error('Give at least one caller (--callers=gateway,...): a service nobody may call is never reachable.');
  const unknown = unique.filter((caller) => !knownServices.includes(caller));
  if (unknown.length > 0) {
    throw new Error(`Unknown caller(s) ${unknown.join(', ')}: callers must be Coffer services listed in ${SERVICE_DIRECTORY_PATH} (${knownServices.join(', ')}).`);
  }
  if (unique.includes(name)) throw new Error(`"${name}" cannot be its own caller: a service calls its own code directly, not over mTLS.`);
  return unique;
}

/**
 * @param {ContractRpc} rpc
 * @returns {string}
 */
function rpcLabel(rpc) {
  if (rpc.clientStreaming && rpc.serverStreaming) return `${rpc.name} (bidirectional stream)`;
  if (rpc.clientStreaming) return `${rpc.name} (client stream)`;
  if (rpc.serverStreaming) return `${rpc.name} (server stream)`;
  return rpc.name;
}

/**
 * `a`, `a and b`, `a, b and c`.
 * @param {readonly string[]} items
 * @returns {string}
 */
function listInWords(items) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

/**
 * One line that is safe inside a `/** ... *\/` comment.
 * @param {string} text
 * @returns {string}
 */
function oneLine(text) {
  return text.replace(/\s+/g, ' ').replaceAll('*/', '* /').trim();
}
