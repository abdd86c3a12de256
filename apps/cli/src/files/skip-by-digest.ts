/** What the server already holds under a name, from the folder listing. */
export interface RemoteEntry {
  readonly id: string;
  readonly name: string;
  readonly sha256: string;
}

/** Upload, or skip because the same bytes are already there. */
export type UploadDecision =
  | { readonly action: 'skip'; readonly fileId: string }
  | { readonly action: 'upload'; readonly existingFileId: string | undefined };

/**
 * `put` skips a file whose SHA-256 equals the current version's under the same folder and name;
 * a different digest uploads a new version of that file; a new name uploads a new file.
 */
export function decideUpload(localSha256: string, existing: RemoteEntry | undefined): UploadDecision {
  if (existing === undefined) return { action: 'upload', existingFileId: undefined };
  if (existing.sha256.toLowerCase() === localSha256.toLowerCase()) return { action: 'skip', fileId: existing.id };
  return { action: 'upload', existingFileId: existing.id };
}

/** Indexes one folder's listing by name (names are unique within a folder of one owner). */
export function indexByName(entries: Iterable<RemoteEntry>): Map<string, RemoteEntry> {
  const byName = new Map<string, RemoteEntry>();
  for (const entry of entries) byName.set(entry.name.normalize('NFC'), entry);
  return byName;
}
