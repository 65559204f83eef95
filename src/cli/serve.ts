// `postwarden serve`: registration only; the server and its dependencies load when the
// command runs, so other commands start quickly.

import type { Command } from 'commander';
import { configFor } from './load.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the mail server (local mode when there is no config file)')
    .action(async (_options: unknown, command: Command) => {
      const { serve } = await import('./serve-main.ts');
      await serve(configFor(command));
    });
}
