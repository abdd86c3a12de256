/** One page of a list, as every Coffer list operation answers it. */
export interface PageOf<T> {
  items: readonly T[];
  nextPageToken?: string | undefined;
}

/**
 * Every item of a paginated list, fetching pages lazily: the first page when iteration starts,
 * the next one only when the items of the previous one are used up. Stops at the page without a
 * `nextPageToken`. Breaking out of a `for await` stops fetching.
 */
export async function* paginate<T>(fetchPage: (pageToken: string | undefined) => Promise<PageOf<T>>, firstPageToken?: string): AsyncGenerator<T, void, undefined> {
  let pageToken = firstPageToken;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(pageToken);
    yield* page.items;
    const next = page.nextPageToken;
    if (next === undefined || next === '') return;
    // A server answering the same token again would loop forever.
    if (seen.has(next)) throw new Error(`The server returned page token ${next} twice; stopping the listing.`);
    seen.add(next);
    pageToken = next;
  }
}
