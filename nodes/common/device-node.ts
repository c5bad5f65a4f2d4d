// What every device node does around its engine: attach to the link or refuse clearly, show the link and each
// failure kind in one way, poll on a schedule, run input (parse -> run -> send -> done), warn once, and close.
// A device node supplies only its config parser, its engine and the messages it builds.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { attachToLink, type Attachment } from './attach-link';
import { readingMessage, topicOf, type DeviceConfig } from './device-config';
import { asError, messageOf } from './errors';
import type { DeviceFailureKind } from './failure-kind';
import { refuseAllInput } from './misconfigured';
import type { ReadingMessage } from './reading';
import { PollSchedule, type PollHandlers } from './poll-schedule';
import type { LinkStatus, SharedLink } from './shared-link';
import { catalogText, FAILURE_STATUS, linkStatusLook, statusOf, timeOfDay, type StatusLook, type StatusState } from './status';

export type DeviceInput = NodeMessageInFlow & { command?: unknown };
export type MessageFields = Record<string, unknown>;
/** What a node sends at once: a message, or one entry (a message, several, or none) per output. */
type Sendable = NodeMessage | (NodeMessage | NodeMessage[] | null)[];

/** Which config node owns the link, and which of the node's settings names it. */
export interface LinkSpec {
  configType: string;
  field: string;
}

/** A reading made ready to send. */
export interface ReadingOut {
  /** Topic, payload, device, measurement and whatever else the device adds. */
  message: MessageFields;
  /** Instead of `message` and `more`: every output's messages, for a node that sends several on the first too. */
  outputs?: readonly (MessageFields | MessageFields[] | null)[];
  /** The status a reading shows, its text a full catalog key or shown as is; the time of day when not given. */
  status?: NodeStatusLook;
  /** Said once each in the log (node.warn), not on every poll. */
  warnings?: readonly string[];
  /** Messages for the outputs after the first (a node with several outputs); null sends nothing there. */
  more?: readonly (MessageFields | MessageFields[] | null)[];
}

/** What one input command came to: a reading (sent like a scheduled one), a reply to a command, or nothing to send. */
export type Outcome<R> =
  | { readonly reading: R }
  /** Taken in (e.g. a sample the node's own schedule will report): nothing is sent, the status stays. */
  | { readonly accepted: true }
  | {
      /** payload and any fields of the reply; the node adds `device`. */
      readonly reply: MessageFields;
      /** Catalog name of the status text (e.g. "done"). */
      readonly status: string;
      readonly warnings?: readonly string[];
    };

/** A status whose text is final: a full catalog key (`mpp-pi30.mode.line`) or words shown as they are. */
export interface NodeStatusLook {
  state: StatusState;
  text: string;
}

/** Starts a schedule of its own (e.g. a sampling clock); the base's handlers show and send what it reads. */
export type ScheduleStarter<R> = (handlers: Omit<PollHandlers<R>, 'poll'>) => { stop(): void };

/** The device-specific half of a node, made once the settings are parsed and the link attached. */
export interface DeviceDriver<Cmd, R> {
  parse(msg: DeviceInput): Cmd;
  run(command: Cmd): Promise<Outcome<R>>;
  /** One reading for the poll schedule (every `intervalMs`); omit for a node that polls only on input. */
  poll?(): Promise<R>;
  /** Replaces the interval schedule, for a node with its own clock. */
  schedule?: ScheduleStarter<R>;
  readingOut(reading: R): ReadingOut;
  /** Device id now (it may come from the device itself once it answered). */
  deviceId(): string;
  /** Topic of a scheduled poll's failure report. */
  topic(): string;
  /** Extra cleanup on close (the link is detached by the base). */
  close?(): Promise<void>;
}

export interface DeviceContext<C, L> {
  node: Node;
  config: C;
  /** The link's connection; undefined only for a node whose spec has no link. */
  link: L;
  /** A text from the node's own catalog (`<type>.<key>`). */
  t(key: string, vars?: Record<string, string>): string;
}

export interface DeviceNodeSpec<C extends DeviceConfig, L, Cmd, R> {
  type: string;
  parseConfig(def: Record<string, unknown>): C;
  /** Omit for a device reached without a shared link (e.g. over HTTP). */
  link?: LinkSpec;
  failureKind(err: unknown): DeviceFailureKind;
  start(context: DeviceContext<C, L>): DeviceDriver<Cmd, R>;
  /** Settings kept as Node-RED credentials (e.g. an API key), as the editor's registerType names them. */
  credentials?: Record<string, { type: 'text' | 'password' }>;
}

/** Warnings remembered, so a model's short reply is said once, not on every poll. */
const MAX_REMEMBERED_WARNINGS = 100;

export function registerDeviceNode<C extends DeviceConfig, L extends SharedLink<unknown> | undefined, Cmd, R>(
  RED: NodeAPI,
  spec: DeviceNodeSpec<C, L, Cmd, R>,
): void {
  function DeviceNode(this: Node, def: NodeDef & Record<string, unknown>): void {
    RED.nodes.createNode(this, def);
    startDeviceNode(RED, this, def, spec);
  }
  RED.nodes.registerType(spec.type, DeviceNode, spec.credentials ? { credentials: spec.credentials } : undefined);
}

/** The body of a device node's constructor; separate from registration so it can run against a fake runtime. */
export function startDeviceNode<C extends DeviceConfig, L extends SharedLink<unknown> | undefined, Cmd, R>(
  RED: NodeAPI,
  node: Node,
  def: Record<string, unknown>,
  spec: DeviceNodeSpec<C, L, Cmd, R>,
): void {
  const t = (key: string, vars?: Record<string, string>) => RED._(`${spec.type}.${key}`, vars);
  const show = (look: StatusLook) => node.status(statusOf(look.state, catalogText(spec.type, look.text)));
  const showLink = (link: LinkStatus) => {
    const look = linkStatusLook(link);
    if (look) show(look);
  };

  let config: C;
  let attachment: Attachment<SharedLink<unknown>> | undefined;
  let driver: DeviceDriver<Cmd, R>;
  try {
    config = spec.parseConfig(def);
    if (spec.link) attachment = attachToLink(RED, node, spec.link.configType, def[spec.link.field], showLink);
    driver = spec.start({ node, config, link: attachment?.connection as L, t });
  } catch (err) {
    const error = messageOf(err);
    void attachment?.detach().catch(() => undefined);
    refuseAllInput(node, catalogText(spec.type, 'config'), t('errors.config', { error }), error);
    return;
  }

  const warned = new Set<string>();
  function warnOnce(warnings: readonly string[] | undefined): void {
    for (const warning of warnings ?? []) {
      if (warned.has(warning)) continue;
      if (warned.size >= MAX_REMEMBERED_WARNINGS) warned.clear();
      warned.add(warning);
      node.warn(warning);
    }
  }

  function showFailure(err: unknown): void {
    let kind: DeviceFailureKind = 'error';
    try {
      kind = spec.failureKind(err);
    } catch {
      // A classifier that throws must not keep done(err) from being called.
    }
    // A failure while the link is down is the link's: its status says more (port closed, USB device gone).
    const link = attachment?.connection.linkStatus;
    if ((kind === 'link-down' || kind === 'error') && link && link.state !== 'connected' && linkStatusLook(link)) {
      showLink(link);
      return;
    }
    show(FAILURE_STATUS[kind]);
  }

  /** Shows a reading's status, says its warnings once, and gives what to send. */
  function present(reading: R): ReadingOut {
    const out = driver.readingOut(reading);
    node.status(statusOf(out.status?.state ?? 'ok', out.status?.text ?? timeOfDay(new Date())));
    warnOnce(out.warnings);
    return out;
  }
  /** One message for a one-output node, else one entry per output (`outputs` replaces the message on all of them). */
  const outputs = (first: MessageFields, out: ReadingOut): Sendable =>
    (out.outputs ? [...out.outputs] : out.more ? [first, ...out.more] : first) as Sendable;

  // Scheduled polls have no message to fail; a Catch node hears each new kind of failure once.
  const handlers: Omit<PollHandlers<R>, 'poll'> = {
    onReading: (reading) => {
      const out = present(reading);
      node.send(outputs(out.message, out));
    },
    onFailure: showFailure,
    report: (err) => {
      const error = messageOf(err);
      node.error(t('errors.poll', { error }), { topic: driver.topic(), device: driver.deviceId(), payload: error });
    },
  };
  const poll = driver.poll?.bind(driver);
  // A schedule of the node's own calls onReading from its timers: what throws there is a failure, not a crash.
  const guarded: typeof handlers = {
    ...handlers,
    onReading: (reading) => {
      try {
        handlers.onReading(reading);
      } catch (err) {
        handlers.onFailure(err);
        handlers.report(err);
      }
    },
  };
  const schedule = driver.schedule ? driver.schedule(guarded) : poll ? new PollSchedule(config.intervalMs, { ...handlers, poll }) : undefined;

  node.on('input', (msg: DeviceInput, send: (msg: Sendable) => void, done: (err?: Error) => void) => {
    (async () => {
      const outcome = await driver.run(driver.parse(msg));
      if ('accepted' in outcome) return;
      if ('reading' in outcome) {
        const out = present(outcome.reading);
        send(out.outputs ? outputs(out.message, out) : outputs(Object.assign(msg, out.message), out));
      } else {
        show({ state: 'ok', text: outcome.status });
        warnOnce(outcome.warnings);
        send(Object.assign(msg, { device: driver.deviceId() }, outcome.reply));
      }
    })().then(
      () => done(),
      (err: unknown) => {
        showFailure(err);
        done(asError(err));
      },
    );
  });

  node.on('close', (_removed: boolean, done: () => void) => {
    schedule?.stop();
    const closing = driver.close ? driver.close().catch(() => undefined) : Promise.resolve();
    closing
      .then(() => attachment?.detach())
      .catch(() => undefined)
      .then(() => done());
  });
}

/** A device engine that reads on `poll()` and answers every other command with a reply (Epever, PZEM). */
export interface PollingController<Cmd, P> {
  poll(): Promise<P>;
  run(command: Cmd): Promise<unknown>;
}

/**
 * The whole driver of such a device: a `poll` command or the schedule sends a reading built from the shared
 * settings, any other command its reply with the status "done".
 */
export function pollingDriver<Cmd extends { kind: string }, P extends ReadingMessage['payload']>(
  config: DeviceConfig,
  controller: PollingController<Cmd, P>,
  parse: (msg: DeviceInput) => Cmd,
): DeviceDriver<Cmd, P> {
  const topic = topicOf(config);
  return {
    parse,
    poll: () => controller.poll(),
    run: async (command) =>
      command.kind === 'poll' ? { reading: await controller.poll() } : { reply: { payload: await controller.run(command) }, status: 'done' },
    readingOut: (payload) => ({ message: readingMessage(config, payload) }),
    deviceId: () => config.deviceId,
    topic: () => topic,
  };
}
