import { main } from './cli/main';

// `npx lambdavision build` under another name (kept for `npx tsx scripts/build-function.ts`).
await main(['build', ...process.argv.slice(2)]);
