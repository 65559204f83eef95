// Loads the config for a CLI command from --config or the default lookup.

import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { configOption } from './program.ts';

export function configFor(command: Command): LoadedConfig {
  return loadConfig({ file: configOption(command) });
}
