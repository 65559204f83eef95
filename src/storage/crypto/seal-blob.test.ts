// A blob is sealed under its content id: the id is the HMAC of the content under the owner's
// identity key, and the sealed form opens only under the owner's key at that owner and id.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { blobContext, blobIdOf, deriveAccountKeys, generateDataKey } from './keys.ts';
import { open } from './seal.ts';
import { sealBlob } from './seal-blob.ts';

const keys = deriveAccountKeys(generateDataKey());
const otherKeys = deriveAccountKeys(generateDataKey());

describe('blob sealing', () => {
  for (const encrypt of [true, false]) {
    it(`binds the sealed form to its owner and content id (${encrypt ? 'encrypted' : 'plaintext'})`, () => {
      const content = new Uint8Array(randomBytes(5000));
      const { id, sealed } = sealBlob({ keys, owner: 7, content, encrypt });
      assert.equal(id, blobIdOf(keys, content));
      assert.notEqual(id, blobIdOf(otherKeys, content));
      const opened = open(keys.encryption, blobContext(7, id), sealed);
      assert.ok(opened && Buffer.from(opened).equals(content));
      assert.equal(Buffer.from(sealed).includes(Buffer.from(content.subarray(0, 64))), !encrypt);
      assert.equal(open(keys.encryption, blobContext(8, id), sealed), undefined);
      assert.equal(open(otherKeys.encryption, blobContext(7, id), sealed), undefined);
    });
  }
});
