// Postwarden's entry point: argv to the CLI (src/cli/), exit status from its result.

import { runCli } from './cli/program.ts';

process.exitCode = await runCli(process.argv.slice(2));
