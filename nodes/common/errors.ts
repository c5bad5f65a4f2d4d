// Turns anything thrown into a message a user can read in a Catch node or the debug sidebar.

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(messageOf(err));
}
