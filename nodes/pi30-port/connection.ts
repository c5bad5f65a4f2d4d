// The line to one inverter (serial port, TCP bridge or USB HID device) and its command queue, shared by every
// node that talks to the inverter. Reopening (also after the USB device vanishes) is the shared link's work.
import { BusQueue } from '../common/bus-queue';
import { SharedLink } from '../common/shared-link';
import { classifyPi30Error } from './errors';
import type { LinkLoss, Pi30Link } from './link';
import { openLink } from './open-link';
import { describePort, type PortSettings } from './port-config';

export type { LinkState, LinkStatus } from '../common/shared-link';

export type LinkOpener = (settings: PortSettings) => Promise<Pi30Link>;

export class Pi30Connection extends SharedLink<Pi30Link> {
  readonly queue: BusQueue;
  readonly description: string;

  constructor(
    readonly settings: PortSettings,
    open: LinkOpener = (s) => openLink(s),
  ) {
    super(
      {
        open: () => open(settings),
        isOpen: (link) => link.isOpen,
        close: (link) => link.close(),
        whenLost: (link, lost) => link.once('lost', (loss: LinkLoss) => lost(loss.reason, loss.vanished)),
      },
      settings.reconnect,
      'port',
    );
    this.description = describePort(settings);
    this.queue = new BusQueue({
      gapMs: settings.gapMs,
      retries: settings.retries,
      deviceBackoff: settings.deviceBackoff,
      classify: classifyPi30Error,
    });
  }

  /** Runs `op` with the open link when the line is free; nothing else uses the line meanwhile. */
  transact<T>(op: (link: Pi30Link) => Promise<T>): Promise<T> {
    // One inverter per port: the queue's device key is the port itself.
    return this.queue.run(this.description, async () => op(await this.openLink()));
  }
}
