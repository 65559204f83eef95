// The message cache thread (message-cache-offload.ts): builds the parse cache of large messages
// off the event loop. Input: raw message bytes from the main thread only; a message it cannot
// parse answers with an error, and the main thread builds that cache itself.

import { answerCalls } from '../core/worker-calls.ts';
import { buildMessageCache } from './message-cache.ts';

answerCalls((raw: Uint8Array) => buildMessageCache(raw));
