import { describe, expect, it } from 'vitest';
import { paginate } from './paginate.js';

describe('paginate', () => {
  const pages: Record<string, { items: number[]; nextPageToken?: string }> = {
    first: { items: [1, 2], nextPageToken: 'b' },
    b: { items: [], nextPageToken: 'c' },
    c: { items: [3] },
  };

  it('follows nextPageToken until a page has none, across empty pages', async () => {
    const asked: (string | undefined)[] = [];
    const items: number[] = [];
    for await (const item of paginate(async (token) => {
      asked.push(token);
      return Promise.resolve(pages[token ?? 'first'] ?? { items: [] });
    })) items.push(item);
    expect(items).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, 'b', 'c']);
  });

  it('fetches lazily: nothing before iteration, no next page when the caller stops', async () => {
    const asked: (string | undefined)[] = [];
    const iterator = paginate((token) => {
      asked.push(token);
      return Promise.resolve(pages[token ?? 'first'] ?? { items: [] });
    });
    expect(asked).toEqual([]);
    for await (const item of iterator) {
      expect(item).toBe(1);
      break;
    }
    expect(asked).toEqual([undefined]);
  });

  it('stops with an error when the server repeats a token', async () => {
    const iterate = async () => {
      for await (const _item of paginate(() => Promise.resolve({ items: [1], nextPageToken: 'same' }))) {
        // keep going
      }
    };
    await expect(iterate()).rejects.toThrow(/twice/);
  });
});
