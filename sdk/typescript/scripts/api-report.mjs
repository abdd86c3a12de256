// Checks the public API against the checked-in report (etc/sdk.api.md); fails when they differ.
// `node scripts/api-report.mjs --local` (or `npx nx run sdk:api-report --local`) updates the report.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const local = process.argv.includes('--local');
const config = ExtractorConfig.loadFileAndPrepare(join(root, 'api-extractor.json'));
const result = Extractor.invoke(config, { localBuild: local, showVerboseMessages: false });
if (!result.succeeded) {
  console.error(
    result.apiReportChanged && !local
      ? '\nThe public API of @coffer/sdk changed and etc/sdk.api.md is out of date.\n' +
          'If the change is intended, update the report and commit it:\n\n  npx nx run sdk:api-report --local\n'
      : `\nAPI Extractor failed with ${result.errorCount} error(s) and ${result.warningCount} warning(s).`,
  );
  process.exit(1);
}
if (result.apiReportChanged) console.log('Updated etc/sdk.api.md: commit it with the change.');
