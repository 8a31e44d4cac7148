/**
 * Splits RFC 822-style control data (dpkg status, Python METADATA headers) into paragraphs of
 * fields. Continuation lines (leading space or tab) are appended to the previous field.
 * Field names are case-insensitive, so keys are stored lower-cased.
 */
export function parseControlParagraphs(text: string): Map<string, string>[] {
  const paragraphs: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let lastKey: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current.size > 0) paragraphs.push(current);
      current = new Map();
      lastKey = undefined;
      continue;
    }
    if ((line[0] === ' ' || line[0] === '\t') && lastKey) {
      current.set(lastKey, `${current.get(lastKey)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lastKey = line.slice(0, colon).trim().toLowerCase();
    // First occurrence wins: repeated headers (Classifier) are never identity fields.
    if (!current.has(lastKey)) current.set(lastKey, line.slice(colon + 1).trim());
  }
  if (current.size > 0) paragraphs.push(current);
  return paragraphs;
}

/** The header block of an email-style file: everything before the first blank line. */
export function parseControlHeader(text: string): Map<string, string> {
  const end = text.search(/\r?\n\r?\n/);
  return parseControlParagraphs(end < 0 ? text : text.slice(0, end))[0] ?? new Map();
}
