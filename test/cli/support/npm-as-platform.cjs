// Runs npm as if on another operating system and CPU: `node npm-as-platform.cjs <npm cli.js> <os> <cpu>
// <npm args...>`. npm's own --os/--cpu flags only choose optional packages; the EBADPLATFORM check of a
// required package compares with process.platform/arch, which are replaced here before npm loads.
const [cli, platform, arch, ...args] = process.argv.slice(2);
Object.defineProperty(process, 'platform', { value: platform });
Object.defineProperty(process, 'arch', { value: arch });
process.argv = [process.argv[0], 'npm', ...args];
require(cli)(process);
