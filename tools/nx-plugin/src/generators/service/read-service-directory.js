/**
 * Reads the list of Coffer services from the platform's service directory, the one place that
 * names them (and so the identities that get mTLS certificates). The generator checks callers
 * against it; it never edits it: wiring a new service there is a reviewed, hand-made change.
 */

/** @typedef {import('@nx/devkit').Tree} Tree */

/**
 * @typedef {object} ServiceDirectory
 * @property {string[]} grpcServices The services that serve gRPC (GRPC_SERVICES).
 * @property {string[]} allServices Every deployable service (ALL_SERVICES), the gateway included.
 */

export const SERVICE_DIRECTORY_PATH = 'libs/platform/src/service/service-directory.ts';

/**
 * @param {Tree} tree
 * @returns {ServiceDirectory}
 */
export function readServiceDirectory(tree) {
  const source = tree.read(SERVICE_DIRECTORY_PATH, 'utf-8');
  if (source === null) throw new Error(`${SERVICE_DIRECTORY_PATH} does not exist; the generator needs it to know the Coffer services.`);
  const grpcServices = readArrayLiteral(source, 'GRPC_SERVICES', {});
  const allServices = readArrayLiteral(source, 'ALL_SERVICES', { GRPC_SERVICES: grpcServices });
  return { grpcServices, allServices };
}

/**
 * Reads `export const NAME = [ 'a', 'b', ...OTHER ] as const;`: string literals and spreads of
 * arrays read before. Anything else is an error, so a change of shape is noticed here.
 * @param {string} source
 * @param {string} constName
 * @param {Record<string, string[]>} spreads
 * @returns {string[]}
 */
function readArrayLiteral(source, constName, spreads) {
  const match = new RegExp(`\\b${constName}\\s*=\\s*\\[([^\\]]*)\\]`).exec(source);
  if (!match?.[1]) throw new Error(`Cannot find "${constName} = [...]" in ${SERVICE_DIRECTORY_PATH}.`);
  return match[1]
    .split(',')
    .map((element) => element.trim())
    .filter((element) => element !== '')
    .flatMap((element) => {
      const literal = /^(['"])([a-z][a-z0-9-]*)\1$/.exec(element);
      if (literal?.[2]) return [literal[2]];
      const spread = /^\.\.\.(\w+)$/.exec(element);
      const spreadValues = spread?.[1] ? spreads[spread[1]] : undefined;
      if (spreadValues) return spreadValues;
      throw new Error(`Cannot read element ${element} of ${constName} in ${SERVICE_DIRECTORY_PATH}.`);
    });
}
