import { main } from './cli/main';

// `npx lambdavision backfill` under another name (kept for `npx tsx scripts/backfill.ts`).
await main(['backfill', ...process.argv.slice(2)]);
