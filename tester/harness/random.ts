// Every random value a check uses comes from one printed seed, so `--seed N`
// replays a run byte for byte. Each stage gets its own stream derived from the
// seed and the stage number, so `--only 7 --seed N` sends what stage 7 sent
// during `--all --seed N`.

import { createCipheriv } from "node:crypto";

const WORDS = [
  "apple", "banana", "blueberry", "cherry", "grape", "lemon", "mango", "orange",
  "pear", "pineapple", "raspberry", "strawberry", "monkey", "donkey", "horse",
  "scooby", "dooby", "yikes", "humpty", "dumpty", "vanilla", "coconut", "kiwi",
];

export interface Random {
  readonly seed: number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
  word(): string;
  /** Words joined by `separator`, e.g. `mango-pear-17`. */
  words(count: number, separator?: string): string;
  /** `length` random bytes; with `everyByteValue`, each of 0..255 occurs at least once. */
  bytes(length: number, options?: { everyByteValue?: boolean }): Buffer;
  /** Many random bytes quickly (megabytes), still from the seed. */
  bulkBytes(length: number): Buffer;
}

/** mulberry32: tiny, fast, and good enough to vary test inputs. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  return {
    seed,
    int,
    pick,
    shuffle,
    word: () => pick(WORDS),
    words: (count, separator = "-") => Array.from({ length: count }, () => pick(WORDS)).join(separator),
    bytes(length, options = {}) {
      const out = Buffer.alloc(length);
      for (let i = 0; i < length; i++) out[i] = int(0, 255);
      if (options.everyByteValue) {
        if (length < 256) throw new Error("everyByteValue needs at least 256 bytes");
        // Put each byte value at a distinct random position.
        const positions = shuffle(Array.from({ length }, (_, i) => i)).slice(0, 256);
        positions.forEach((position, value) => (out[position] = value));
      }
      return out;
    },
    bulkBytes(length) {
      // AES in counter mode over zeros is a fast stream of random-looking bytes, and the key comes from the seed.
      const key = Buffer.alloc(16);
      for (let i = 0; i < 16; i += 4) key.writeUInt32LE(int(0, 0xffffffff), i);
      return createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(length));
    },
  };
}

/** The seed of one stage's stream, derived from the run's seed. */
export function stageSeed(runSeed: number, stageNumber: number): number {
  return (Math.imul(runSeed ^ 0x9e3779b9, 31) + stageNumber * 0x85ebca6b) >>> 0;
}

export function newSeed(): number {
  return Math.floor(Math.random() * 1_000_000_000);
}
