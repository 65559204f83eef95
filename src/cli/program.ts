// The command line (product contract in DESIGN.md): serve, init, domain, user, queue.
// `--config FILE` is accepted before or after the command name. Exit status: 0 success, 1 user
// error (one line on stderr), 2 bad usage.

import { Command, CommanderError } from 'commander';
import { UsageError, UserError } from '../core/user-error.ts';
import { registerDomainCommands } from './domain.ts';
import { registerInitCommand } from './init.ts';
import { registerQueueCommands } from './queue.ts';
import { registerServeCommand } from './serve.ts';
import { registerUserCommands } from './user.ts';
import { VERSION } from './version.ts';

export function buildProgram(): Command {
  const program = new Command('postwarden')
    .description('Postwarden: a complete, self-hosted mail server')
    .version(VERSION)
    .option('--config <file>', 'config file (default: ./postwarden.toml if present, else local mode)')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  registerServeCommand(program);
  registerInitCommand(program);
  registerDomainCommands(program);
  registerUserCommands(program);
  registerQueueCommands(program);
  quiet(program.commands);
  return program;
}

/** Every command, nested ones too, throws instead of exiting and leaves error output to runCli. */
function quiet(commands: readonly Command[]): void {
  for (const command of commands) {
    command.exitOverride().configureOutput({ outputError: () => undefined });
    quiet(command.commands);
  }
}

/** The config file named by --config, wherever it appeared. */
export function configOption(command: Command): string | undefined {
  const value = (command.optsWithGlobals() as { config?: unknown }).config;
  return typeof value === 'string' ? value : undefined;
}

/** Runs the CLI; resolves to the exit status. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      process.stderr.write(`postwarden: ${error.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`postwarden: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UserError) {
      process.stderr.write(`postwarden: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`postwarden: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
