// Local mode: what `postwarden serve` uses when there is no config file. Everything runs on
// 127.0.0.1 with unprivileged ports, data in ./data, hostname localhost (DESIGN.md, product
// contract). These values are overlaid on the schema defaults; environment overrides still apply.

export const LOCAL_MODE_LISTENERS = {
  smtp: '127.0.0.1:2525',
  submission: '127.0.0.1:2587',
  submissions: '127.0.0.1:2465',
  imap: '127.0.0.1:2143',
  imaps: '127.0.0.1:2993',
  pop3: '127.0.0.1:2110',
  pop3s: '127.0.0.1:2995',
  http: '127.0.0.1:8025',
} as const;

export function localModeDefaults(): Record<string, unknown> {
  return { hostname: 'localhost', data_dir: 'data', listen: { ...LOCAL_MODE_LISTENERS } };
}
