/**
 * `make harden`: the reliability and security suite on demand (the long part). The fast part runs
 * in CI as this project's `integration` target. Parts are wired in explicitly below.
 */
console.log('coffer hardening: no parts wired yet');
