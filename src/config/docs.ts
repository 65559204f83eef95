// The config reference, generated from the schema (the single source of types, defaults and
// docs): one TOML block with every key, its default, its description and its environment
// variable. scripts/config-docs.ts writes it into the README; a test keeps the two in step.

import { z } from 'zod';
import { configSchema } from './schema.ts';

interface Node {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: Record<string, Node>;
  readonly additionalProperties?: Node | boolean;
}

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function leaf(lines: string[], key: string, node: Node, variable: string | undefined): void {
  const parts = [node.description ?? ''];
  if (node.enum) parts.push(`One of ${node.enum.map(tomlValue).join(', ')}.`);
  if (variable) parts.push(`Env: ${variable}.`);
  lines.push(`# ${parts.filter(Boolean).join(' ')}`);
  lines.push(`${key} = ${tomlValue(node.default ?? '')}`);
}

export function configReference(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  const lines: string[] = [];
  const sections: [string, Node][] = [];
  for (const [name, node] of Object.entries(root.properties ?? {})) {
    if (node.type === 'object') sections.push([name, node]);
    else leaf(lines, name, node, `POSTWARDEN_${name.toUpperCase()}`);
  }
  for (const [name, node] of sections) {
    lines.push('');
    if (node.properties) {
      lines.push(`# ${node.description ?? ''}`, `[${name}]`);
      for (const [key, child] of Object.entries(node.properties)) leaf(lines, key, child, `POSTWARDEN_${name}_${key}`.toUpperCase());
    } else if (typeof node.additionalProperties === 'object') {
      lines.push(`# ${node.description ?? ''} (no default; set in the file only)`, `[${name}.NAME]`);
      for (const [key, child] of Object.entries(node.additionalProperties.properties ?? {})) leaf(lines, key, child, undefined);
    }
  }
  return ['```toml', ...lines, '```'].join('\n');
}

/** The README with its reference block replaced by the current one. */
export function withReference(readme: string): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error('the README has no config reference markers');
  return `${readme.slice(0, start + REFERENCE_START.length)}\n${configReference()}\n${readme.slice(end)}`;
}
