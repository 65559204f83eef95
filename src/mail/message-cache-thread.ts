// The message cache thread (message-cache-offload.ts): builds the parse cache of large messages
// off the event loop. Input: raw message bytes from the main thread only; a message it cannot
// parse answers with an error, and the main thread builds that cache itself.

import { parentPort } from 'node:worker_threads';
import { buildMessageCache } from './message-cache.ts';

export interface CacheRequest {
  readonly id: number;
  readonly raw: Uint8Array;
}

export type CacheAnswer = { readonly id: number; readonly text: string } | { readonly id: number; readonly error: string };

parentPort?.on('message', ({ id, raw }: CacheRequest) => {
  let answer: CacheAnswer;
  try {
    answer = { id, text: buildMessageCache(raw) };
  } catch (error) {
    answer = { id, error: (error as Error).message };
  }
  parentPort?.postMessage(answer);
});
