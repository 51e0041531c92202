import { main } from './cli/main';

// `npx lambdavision classify` under another name (kept for `npx tsx scripts/classify.ts`).
await main(['classify', ...process.argv.slice(2)]);
