import path from 'node:path';
import { ERROR_CODES, type ErrorCode, type ErrorScope } from '../../function/classifier';
import { PROJECT_ROOT } from './project-root';

/** Where the rendered table lives; test/architecture/error-codes.test.ts keeps it equal to the render. */
export const ERROR_CODES_DOC = path.join(PROJECT_ROOT, 'docs', 'error-codes.md');

const SCOPE_TITLES: Record<ErrorScope, string> = {
  image: 'The image (classifier)',
  model: 'The model and the options (classifier)',
  object: 'One object in S3 (Lambda function)',
  invocation: 'The invocation as a whole (Lambda function)',
  batch: 'An S3 Batch Operations task (Lambda function)',
  request: 'An on-demand request (Function URL)',
  training: 'Training a custom head (lambdavision train, evaluate)',
  cli: 'The command line',
};

/** docs/error-codes.md, rendered from the core's ERROR_CODES (the one list of codes). */
export function renderErrorCodes(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Rendered from ERROR_CODES in function/classifier/errors.ts by `npm run docs:error-codes`; do not edit. -->',
    '',
    'Every error LambdaVision reports is a `LambdaVisionError` with one of these stable codes: in result',
    'documents (`error.code`), HTTP answers, Batch Operations result strings, log lines (`errorCode`) and the',
    "command line's `--json` output. **permanent**: the same input fails the same way, so the failure is",
    'recorded (an error result, a 4xx, `PermanentFailure`) and never retried. **transient**: a retry can',
    'succeed, so the Lambda function lets the work be retried (the event is retried, the task answered',
    '`TemporaryFailure`, a 5xx). A result that could not be written is retried whatever its code.',
  ];
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  for (const scope of Object.keys(SCOPE_TITLES) as ErrorScope[]) {
    const rows = codes.filter((code) => ERROR_CODES[code].scope === scope);
    if (rows.length === 0) continue;
    lines.push('', `## ${SCOPE_TITLES[scope]}`, '', '| code | kind | meaning |', '|---|---|---|');
    for (const code of rows) {
      const { kind, description } = ERROR_CODES[code];
      lines.push(`| \`${code}\` | ${kind} | ${description.replace(/\|/g, '\\|')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
