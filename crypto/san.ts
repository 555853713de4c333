/**
 * Node's rendering of a certificate's subjectAltName ("DNS:a, URI:splitkey://…, IP Address:…"),
 * parsed into entries. Since the fix for CVE-2021-44532 Node writes a value that contains a
 * separator or quote as a JSON string (URI:"splitkey://admin/x?caps=create\u002crefresh"), so a
 * plain split on ", " would misread it; this reads both forms. Pure: shared by the node (who is
 * calling) and the client (who answered).
 */
export interface SanEntry {
  type: string;
  value: string;
}

/** The entries of a subjectAltName string; an entry that cannot be read is left out. */
export function parseSubjectAltName(san: string | undefined): SanEntry[] {
  if (!san) return [];
  const out: SanEntry[] = [];
  for (const part of san.split(', ')) {
    const colon = part.indexOf(':');
    if (colon <= 0) continue;
    const type = part.slice(0, colon);
    let value = part.slice(colon + 1);
    if (value.startsWith('"')) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (typeof parsed !== 'string') continue;
        value = parsed;
      } catch {
        continue;
      }
    }
    out.push({ type, value });
  }
  return out;
}

/** The URI entries of a subjectAltName string. */
export function sanUris(san: string | undefined): string[] {
  return parseSubjectAltName(san)
    .filter((e) => e.type === 'URI')
    .map((e) => e.value);
}
