/**
 * Japanese phone numbers as one comparable string: full-width digits and punctuation folded
 * (NFKC), the +81 country code turned back into the trunk 0, everything but digits dropped.
 * '(03) 1234 5678', '+81 3 1234 5678' and '０３－１２３４－５６７８' all become '0312345678'.
 */
export function normalizePhone(raw: string): string {
  const folded = raw.normalize('NFKC').trim();
  const digits = folded.replace(/\D/g, '');
  return folded.startsWith('+81') ? `0${digits.slice(2)}` : digits;
}
