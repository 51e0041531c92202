import { main } from '../scripts/cli/main';

// `npx lambdavision bench` under another name (kept for `npx tsx bench/bench.ts`).
await main(['bench', ...process.argv.slice(2)]);
