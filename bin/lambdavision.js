#!/usr/bin/env node
// The `lambdavision` command (package.json "bin"). The project is TypeScript: tsx's loader is registered in
// this process (no child process, so Ctrl-C and exit codes are the command's own), then the CLI runs.
// Plain JavaScript on purpose: it is what npm links into node_modules/.bin and what Windows' shim runs.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`lambdavision needs Node.js 20.19 or later; this is ${process.version}\n`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../scripts/cli/main.ts');
await main(process.argv.slice(2));
