#!/usr/bin/env node
// The `coffer` command (placeholder until the commands land).
process.stdout.write('coffer\n');
