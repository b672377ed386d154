import fc from "fast-check";
import { parseBindingDocument, planBindingRotation, publishedKey, type BindingDocument } from "../../../handlers/rotation/binding-plan";
import { generateBindingKeyPair, type BindingPrivateKey } from "../../../src/token/binding";

const OVERLAP = 3630;
const PUBLISH_AFTER = 7200;
const options = (now: number) => ({ now, overlapSeconds: OVERLAP, publishAfterSeconds: PUBLISH_AFTER });

let pool: BindingPrivateKey[] = [];
beforeAll(async () => {
  pool = await Promise.all(Array.from({ length: 24 }, async () => (await generateBindingKeyPair()).privateKey));
});

describe("planBindingRotation", () => {
  it("publishes the first key at once, when nothing was bound before it", () => {
    const plan = planBindingRotation(undefined, pool[0] as BindingPrivateKey, options(1000));
    expect(plan.published).toBe(pool[0]?.kid);
    expect(plan.document.keys).toEqual([{ ...pool[0], created_at: 1000, published_at: 1000 }]);
  });

  it("treats a hand-written document's first key as published and keeps the others one more overlap", () => {
    const [a, b, fresh] = pool as [BindingPrivateKey, BindingPrivateKey, BindingPrivateKey];
    const plan = planBindingRotation({ keys: [a, b] }, fresh, options(5000));
    expect(plan.published).toBe(a.kid);
    expect(plan.document.keys.find((k) => k.kid === b.kid)?.retired_at).toBe(5000);
    expect(plan.document.keys[0]).toEqual({ ...fresh, created_at: 5000 });
  });

  it("refuses a document with lifecycle members that are not epoch seconds, naming the key, not its material", () => {
    const text = JSON.stringify({ keys: [{ ...pool[0], created_at: "yesterday" }] });
    expect(() => parseBindingDocument(text, "doc")).toThrow(`doc: keys[0] (kid ${pool[0]?.kid}) has created_at="yesterday"`);
    expect(() => parseBindingDocument(text, "doc")).not.toThrow(pool[0]?.d as string);
  });

  it("over any schedule of rotations, keeps every key tokens may be bound to and publishes only keys held for the publish delay", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 * PUBLISH_AFTER }), { minLength: 1, maxLength: 20 }), (gaps) => {
        let now = 1_000_000;
        let document: BindingDocument | undefined;
        const boundUntil = new Map<string, number>(); // kid -> last moment a token bound to it may still be presented
        let publicKid: string | undefined;
        gaps.forEach((gap, i) => {
          now += gap;
          if (publicKid) boundUntil.set(publicKid, now + OVERLAP);
          const before = document;
          const plan = planBindingRotation(document, pool[i] as BindingPrivateKey, options(now));
          document = plan.document;
          const kids = new Set(document.keys.map((k) => k.kid));
          for (const [kid, until] of boundUntil) if (until > now) expect(kids.has(kid)).toBe(true);
          const published = publishedKey(document);
          expect(published?.kid).toBe(plan.published);
          if (before && plan.published !== publicKid) {
            const held = before.keys.find((k) => k.kid === plan.published);
            expect(held).toBeDefined();
            expect(now - (held?.created_at ?? now)).toBeGreaterThanOrEqual(PUBLISH_AFTER);
          }
          publicKid = plan.published;
          expect(document.keys.length).toBeLessThanOrEqual(gaps.length + 1);
        });
      }),
    );
  });
});
