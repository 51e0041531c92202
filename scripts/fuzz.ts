import { main } from './cli/main';

// `npx lambdavision fuzz` under another name (kept for `npx tsx scripts/fuzz.ts`).
await main(['fuzz', ...process.argv.slice(2)]);
