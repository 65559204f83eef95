// The mailboxes every new account starts with: the RFC 6154 special-use set and the category
// folders the filter fills (Promotions, Social, Updates, Forums). All are subscribed.

import type { SpecialUse } from './api.ts';

export interface DefaultMailbox {
  readonly name: string;
  readonly specialUse: SpecialUse | null;
}

export const DEFAULT_MAILBOXES: readonly DefaultMailbox[] = [
  { name: 'INBOX', specialUse: null },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Archive', specialUse: '\\Archive' },
  { name: 'Promotions', specialUse: null },
  { name: 'Social', specialUse: null },
  { name: 'Updates', specialUse: null },
  { name: 'Forums', specialUse: null },
];
