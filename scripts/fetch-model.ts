import { main } from './cli/main';

// `npx lambdavision fetch-model` under another name (kept for `npx tsx scripts/fetch-model.ts`).
await main(['fetch-model', ...process.argv.slice(2)]);
