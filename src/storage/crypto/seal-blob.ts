// A blob's content id (keys.ts: HMAC-SHA256 of the content under the account's identity key)
// and its sealed form (seal.ts, bound to the owner and that id): what every blob write stores.

import { blobContext, blobIdOf, type AccountKeys } from './keys.ts';
import { seal } from './seal.ts';

export interface SealedBlob {
  readonly id: string;
  readonly sealed: Uint8Array;
}

export interface SealRequest {
  readonly keys: AccountKeys;
  readonly owner: number;
  readonly content: Uint8Array;
  readonly encrypt: boolean;
}

export function sealBlob({ keys, owner, content, encrypt }: SealRequest): SealedBlob {
  const id = blobIdOf(keys, content);
  return { id, sealed: seal(keys.encryption, blobContext(owner, id), content, encrypt) };
}
