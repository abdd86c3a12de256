/** Small HTTP helpers for tests against the real ClickHouse (no client needed). */

/** Runs SQL over HTTP and returns the body; throws with ClickHouse's message on failure. */
export async function clickHouseSql(url: string, sql: string, database?: string): Promise<string> {
  const target = database === undefined ? `${url}/` : `${url}/?database=${encodeURIComponent(database)}`;
  const response = await fetch(target, { method: 'POST', body: sql });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse: ${text.slice(0, 500)}`);
  return text;
}

/** Waits until every mutation of the database has finished (18.16 has no mutations_sync). */
export async function waitForMutations(url: string, database: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = Number((await clickHouseSql(url, `SELECT count() FROM system.mutations WHERE database = '${database}' AND is_done = 0`)).trim());
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`mutations of ${database} did not finish in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Drops a test database (fine when it does not exist). */
export async function dropClickHouseDatabase(url: string, database: string): Promise<void> {
  await clickHouseSql(url, `DROP DATABASE IF EXISTS ${database}`);
}
