// Environment overrides: POSTWARDEN_<SECTION>_<KEY> (or POSTWARDEN_<KEY> for top-level keys)
// replaces the matching config key. Names are derived from the schema, so every key can be
// overridden; values are converted to the key's type (numbers, booleans, and comma-separated
// or JSON lists). Environment values are untrusted and validated with the rest of the config.

import { z } from 'zod';
import { configSchema } from './schema.ts';

const PREFIX = 'POSTWARDEN_';

interface JsonSchemaNode {
  readonly type?: string;
  readonly properties?: Record<string, JsonSchemaNode>;
  readonly additionalProperties?: unknown;
  readonly anyOf?: readonly JsonSchemaNode[];
}

export interface EnvKey {
  /** Environment variable name, e.g. POSTWARDEN_LISTEN_SMTP. */
  readonly variable: string;
  /** Config path, e.g. ["listen", "smtp"]. */
  readonly path: readonly string[];
  readonly type: string;
}

/** Every overridable key, in schema order. Record sections (pools) are file-only. */
export function environmentKeys(): EnvKey[] {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const keys: EnvKey[] = [];
  for (const [name, node] of Object.entries(root.properties ?? {})) {
    if (node.type === 'object' && node.properties) {
      for (const [key, leaf] of Object.entries(node.properties)) {
        keys.push({ variable: `${PREFIX}${name}_${key}`.toUpperCase(), path: [name, key], type: leafType(leaf) });
      }
    } else if (node.type !== 'object') {
      keys.push({ variable: `${PREFIX}${name}`.toUpperCase(), path: [name], type: leafType(node) });
    }
  }
  return keys;
}

function leafType(node: JsonSchemaNode): string {
  return node.type ?? node.anyOf?.[0]?.type ?? 'string';
}

/** Converts an environment string to the JSON type the schema expects; validation follows. */
export function coerceEnvValue(raw: string, type: string): unknown {
  const trimmed = raw.trim();
  switch (type) {
    case 'number':
    case 'integer':
      return trimmed === '' || Number.isNaN(Number(trimmed)) ? raw : Number(trimmed);
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
      if (['0', 'false', 'no', 'off'].includes(lower)) return false;
      return raw;
    }
    case 'array':
      if (trimmed.startsWith('[')) {
        try {
          return JSON.parse(trimmed) as unknown;
        } catch {
          return raw;
        }
      }
      return trimmed === '' ? [] : trimmed.split(',').map((part) => part.trim());
    default:
      return raw;
  }
}

export interface AppliedOverride {
  readonly variable: string;
  readonly path: readonly string[];
}

/** Writes overrides from `env` into the raw (unvalidated) config object, in place. */
export function applyEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): AppliedOverride[] {
  const applied: AppliedOverride[] = [];
  for (const key of environmentKeys()) {
    const value = env[key.variable];
    if (value === undefined) continue;
    let target: Record<string, unknown> = raw;
    for (const segment of key.path.slice(0, -1)) {
      const next = target[segment];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        const created: Record<string, unknown> = {};
        target[segment] = created;
        target = created;
      } else {
        target = next as Record<string, unknown>;
      }
    }
    target[key.path[key.path.length - 1] ?? ''] = coerceEnvValue(value, key.type);
    applied.push({ variable: key.variable, path: key.path });
  }
  return applied;
}
