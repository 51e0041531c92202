import { main } from './cli/main';

// `npx lambdavision dev` under another name (kept for `npx tsx scripts/dev.ts`).
await main(['dev', ...process.argv.slice(2)]);
