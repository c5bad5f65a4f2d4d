// Bytes as text a person can read in an error message.
/** Printable text of raw bytes for messages: ASCII as is, other bytes as \xNN, cut after 60 characters. */
export function preview(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes.subarray(0, 60)) {
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > 60 ? `${out}... (${bytes.length} bytes)` : out;
}
