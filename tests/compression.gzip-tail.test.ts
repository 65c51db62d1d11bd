import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflateHead, gzipWithTail } from '../server/compression/gzip-tail.js';

// A signed-in reader's topic page is the shared part, deflated once, and their own part added as
// it is: whatever a browser's gzip decoder makes of it must be exactly the two put together.
describe('a gzip answer made of a shared head and a reader’s own tail', () => {
  it('decodes to the head followed by the tail, for tails of any size (several stored blocks past 64 KB)', async () => {
    const head = Buffer.from(`{"posts":[${Array.from({ length: 200 }, (_, i) => `{"id":${i},"body":"Reply ${i} with the same words"}`).join(',')}]`);
    const deflated = await deflateHead(head);
    expect(deflated.deflated.length).toBeLessThan(head.length / 5);
    for (const size of [0, 1, 300, 0xffff, 0xffff + 1, 150_000]) {
      // Random bytes, so nothing in the tail could pass by luck of repeating the head.
      const tail = randomBytes(size);
      const answer = gzipWithTail(deflated, tail);
      expect(gunzipSync(answer).equals(Buffer.concat([head, tail])), `tail of ${size} bytes`).toBe(true);
    }
  });

  it('serves many readers from one head without changing it', async () => {
    const head = Buffer.from('{"shared":"part"'.repeat(100));
    const deflated = await deflateHead(head);
    const copy = Buffer.from(deflated.deflated);
    for (const who of ['one', 'two']) {
      const tail = Buffer.from(`,"reader":"${who}"}`);
      expect(gunzipSync(gzipWithTail(deflated, tail)).toString()).toBe(head.toString() + tail.toString());
    }
    expect(deflated.deflated.equals(copy)).toBe(true);
  });
});
