import { main } from './cli/main';

// `npx lambdavision invoke` under another name (kept for `npx tsx scripts/invoke.ts`).
await main(['invoke', ...process.argv.slice(2)]);
