import { writeFileSync } from 'node:fs';
import { ERROR_CODES_DOC, renderErrorCodes } from './lib/error-codes-doc';

// `npm run docs:error-codes`: renders docs/error-codes.md from the core's list of codes.
writeFileSync(ERROR_CODES_DOC, renderErrorCodes());
process.stderr.write(`wrote docs/error-codes.md\n`);
