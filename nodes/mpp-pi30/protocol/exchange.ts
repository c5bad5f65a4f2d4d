// One command and its reply, over whatever carries the bytes: encode, send, decode, and say clearly what
// went wrong. The failure kinds are the bus queue's, so a garbled reply is retried and a refusal is not.
import { decodeReply, encodeCommand, type Reply } from './frame';

/** A reply that arrived but cannot be trusted (CRC, framing, cut short). */
export class FrameError extends Error {
  readonly kind = 'garbled';
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** The inverter answered NAK, or answered a command with something other than what it takes. */
export class RefusedError extends Error {
  readonly kind = 'refused';
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

/** Sends one command and resolves with its decoded reply; rejects with FrameError or a transport error. */
export type Exchange = (command: string) => Promise<Reply>;

/** What an exchange needs of a transport: request bytes out, reply bytes (through the CR) back. */
export interface FrameLink {
  exchange(request: Buffer): Promise<Buffer>;
}

/** Runs `op` with the link when it is free (the port's queue); a rejection inside it is retried by kind. */
export type Transact = <T>(op: (link: FrameLink) => Promise<T>) => Promise<T>;

export function exchangeThrough(transact: Transact): Exchange {
  return (command) => {
    // Refused before the queue: a command that cannot be encoded never waits for the port.
    const request = encodeCommand(command);
    return transact(async (link) => {
      const decoded = decodeReply(await link.exchange(request));
      if (!decoded.ok) throw new FrameError(`${command}: ${decoded.problem}`);
      return decoded.reply;
    });
  };
}
