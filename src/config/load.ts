// Loads the configuration: the TOML file (or local mode when there is none), then
// POSTWARDEN_* environment overrides, then validation against the schema. A bad config is a
// UserError whose one-line message names the key, the value and what was expected.

import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { UserError } from '../core/user-error.ts';
import { applyEnvironment, type AppliedOverride } from './env.ts';
import { localModeDefaults } from './local-mode.ts';
import { configSchema, type Config } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'postwarden.toml';

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, or undefined in local mode. */
  readonly file: string | undefined;
  readonly localMode: boolean;
  readonly overrides: readonly AppliedOverride[];
}

export interface LoadOptions {
  /** --config FILE; when absent, ./postwarden.toml if present, else local mode. */
  readonly file?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const explicit = options.file !== undefined;
  const file = resolve(cwd, options.file ?? DEFAULT_CONFIG_FILE);
  let raw: Record<string, unknown>;
  let localMode = false;
  if (explicit || existsSync(file)) {
    raw = readTomlFile(file);
  } else {
    raw = localModeDefaults();
    localMode = true;
  }
  const overrides = applyEnvironment(raw, env);
  const config = validateConfig(raw, localMode ? 'local mode' : file, overrides);
  return { config, file: localMode ? undefined : file, localMode, overrides };
}

function readTomlFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError(`cannot read config file ${file}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new UserError(`config file ${file} is not valid TOML: line ${error.line}, column ${error.column}: ${firstLine(error.message)}`);
    }
    throw error;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Validates a raw config object; the first problem becomes a one-line UserError. */
export function validateConfig(raw: unknown, source: string, overrides: readonly AppliedOverride[] = []): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserError(describeIssue(parsed.error.issues[0], raw, source, overrides));
  }
  const config = parsed.data;
  if (config.storage.driver === 'postgres' && config.storage.url === '') {
    throw new UserError(`bad config (${source}): storage.url = "": expected a PostgreSQL URL when storage.driver = "postgres"`);
  }
  if ((config.tls.cert === '') !== (config.tls.key === '')) {
    throw new UserError(
      `bad config (${source}): tls.cert = ${JSON.stringify(config.tls.cert)}, tls.key = ${JSON.stringify(config.tls.key)}: expected both or neither`,
    );
  }
  if (config.storage.master_key !== '' && !/^[0-9a-fA-F]{64}$/.test(config.storage.master_key)) {
    throw new UserError(`bad config (${source}): storage.master_key = (hidden): expected 64 hexadecimal digits`);
  }
  return config;
}

function describeIssue(
  issue: z.core.$ZodIssue | undefined,
  raw: unknown,
  source: string,
  overrides: readonly AppliedOverride[],
): string {
  if (!issue) return `bad config (${source})`;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => keyPath([...issue.path.map(String), key])) : [];
  if (keys.length > 0) {
    return `bad config (${source}): unknown key ${keys.join(', ')}`;
  }
  const path = issue.path.map(String);
  const key = keyPath(path) || '(top level)';
  const fromEnv = overrides.find((o) => o.path.join('.') === path.slice(0, o.path.length).join('.'));
  const where = fromEnv ? `${fromEnv.variable}` : source;
  const value = valueAt(raw, path);
  const shown = value === undefined ? '(missing)' : JSON.stringify(value);
  return `bad config (${where}): ${key} = ${shown}: ${expectation(issue)}`;
}

/** A dotted key path; segments that are not plain words are quoted, so a message stays one line. */
function keyPath(path: readonly string[]): string {
  return path.map((segment) => (/^[A-Za-z0-9_-]+$/.test(segment) ? segment : JSON.stringify(segment))).join('.');
}

const ARTICLE: Readonly<Record<string, string>> = { int: 'an integer', object: 'an object', array: 'an array' };

function expectation(issue: z.core.$ZodIssue): string {
  const message = issue.message;
  if (message.startsWith('expected')) return message;
  if (issue.code === 'invalid_type') return `expected ${ARTICLE[issue.expected] ?? `a ${issue.expected}`}`;
  if (issue.code === 'invalid_key') return 'expected a name of letters, digits, "_" and "-"';
  if (issue.code === 'too_small' || issue.code === 'too_big') return `expected ${message.replace(/^Too (small|big): expected \S+ to (be|have) /, '')}`;
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return `expected ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}

function valueAt(raw: unknown, path: readonly string[]): unknown {
  let node = raw;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}
