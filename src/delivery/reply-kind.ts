// What a remote refusal says about us rather than about the recipient: "slow down" (a rate
// limit: pause the destination) or "your address is blocked" (rest the pool address for that
// destination and send from another). Remote servers word these freely, so this reads the
// reply code, the RFC 3463 enhanced code and common phrases. Input it does not trust: the
// remote reply text.

export type ReplyKind = 'rate-limit' | 'blocked' | 'other';

export interface ReplyFacts {
  readonly code: number;
  readonly enhanced?: string;
  readonly text: string;
}

const RATE_LIMIT = /\b(rate[- ]?limit\w*|at a rate that|too many (connections|messages|recipients|concurrent)|throttl\w*|slow down|temporarily deferred due to (high )?volume|exceeded .*(rate|limit))/i;
const BLOCKED = /\b(block(ed|list\w*)|blacklist\w*|denylist\w*|spamhaus|spamcop|barracuda|sorbs|listed (at|on|in)|poor reputation|ip reputation|bad reputation|banned|not allowed to send|client host .* rejected)/i;

export function replyKind(reply: ReplyFacts | undefined): ReplyKind {
  if (!reply) return 'other';
  // RFC 3463: X.7.1 delivery not authorized (often an IP block), X.4.5 system congestion.
  if (RATE_LIMIT.test(reply.text) || reply.enhanced === '4.4.5' || (reply.code === 421 && /\b(too many|busy)\b/i.test(reply.text))) return 'rate-limit';
  if (BLOCKED.test(reply.text)) return 'blocked';
  return 'other';
}
