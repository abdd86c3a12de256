#!/usr/bin/env bash
# Runs the pinned OpenAPI Generator CLI, the generator of the Python and Go clients
# (tools/codegen/clients.mjs drives it):
#   tools/codegen/openapi-generator.sh generate -g python -i openapi/coffer.yaml -o out ...
#   tools/codegen/openapi-generator.sh version
# The jar is resolved through Maven: taken from the local repository (~/.m2, or
# $MAVEN_REPOSITORY), fetched from Maven Central by `mvn` when absent, and checked against the
# pinned SHA-256 before every run. The generator itself downloads nothing. Needs Java 17+ and Maven.
set -euo pipefail

OPENAPI_GENERATOR_VERSION=7.25.0
OPENAPI_GENERATOR_SHA256=41ce4f6b07f196676439d710759fa1ced7a08066d06ff1bf314681470289efae
ARTIFACT="org.openapitools:openapi-generator-cli:${OPENAPI_GENERATOR_VERSION}"
REPOSITORY="${MAVEN_REPOSITORY:-${HOME}/.m2/repository}"
JAR="${REPOSITORY}/org/openapitools/openapi-generator-cli/${OPENAPI_GENERATOR_VERSION}/openapi-generator-cli-${OPENAPI_GENERATOR_VERSION}.jar"

if [[ ! -f "${JAR}" ]]; then
  echo "openapi-generator: resolving ${ARTIFACT} through Maven" >&2
  # -C: fail on a checksum mismatch with the repository's.
  mvn -q -B -C -Dstyle.color=never dependency:get -Dartifact="${ARTIFACT}" -Dtransitive=false \
    -Dmaven.repo.local="${REPOSITORY}" >&2
fi
if [[ ! -f "${JAR}" ]]; then
  echo "openapi-generator: ${JAR} is missing after resolving ${ARTIFACT}" >&2
  exit 1
fi
if [[ "$(sha256sum "${JAR}" | cut -d' ' -f1)" != "${OPENAPI_GENERATOR_SHA256}" ]]; then
  echo "openapi-generator: ${JAR} does not have the pinned SHA-256; delete it to fetch it again" >&2
  exit 1
fi

# -DskipUpdateCheck: no look-up of newer versions, so the run stays offline.
exec java -DskipUpdateCheck=true -jar "${JAR}" "$@"
