// Node-RED adapter for time-window roll-ups: readings in, one record per key and closed window out.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { asError, messageOf } from '../common/errors';
import { statusOf, type StatusState } from '../common/status';
import { Aggregator, type WindowRecord } from './aggregator';
import { contextState } from './context-state';
import { parseRollupConfig, type RollupNodeConfig } from './node-config';
import { FieldReader, ReadingError } from './reading-fields';
import { recordMessage } from './record-message';
import { refuseAllInput } from '../common/misconfigured';

type RollupDef = NodeDef & Record<string, unknown>;
type InputMessage = NodeMessageInFlow & { reset?: unknown; flush?: unknown; measurement?: unknown };
type Send = (msg: Array<NodeMessage[]>) => void;

/** Context key of the saved state. */
const STATE_KEY = 'rollup';
/** State is saved this often while readings arrive, on a reset and on close; a crash loses at most this. */
const SAVE_EVERY_MS = 10_000;
/** With thousands of keys a snapshot takes a while; saving then waits this many times as long as it took. */
const SAVE_COST_FACTOR = 200;
/** Windows that ended while Node-RED was stopped go out this long after the start, once the flow is wired. */
const FIRST_CLOSE_DELAY_MS = 500;
/** The close timer looks at the clock at least this often, so a changed system clock is noticed. */
const MAX_WAIT_MS = 60_000;
/** Key of readings that lack the key property. */
const DEFAULT_KEY = 'default';

class RollupCommandError extends Error {}

/** `true` -> every key (null), a non-empty string -> that key, absent or false -> not asked for. */
function commandTarget(value: unknown, name: string): string | null | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return null;
  if (typeof value === 'string' && value !== '') return value;
  throw new RollupCommandError(`msg.${name} must be true (every key) or a key, got ${JSON.stringify(value)}`);
}

export = function register(RED: NodeAPI): void {
  // Without a contextStorage in settings.js, Node-RED deletes a node's context whenever it stops, deploys
  // included; the state a stopping node leaves here is what its successor of the same id starts from.
  const handedOver = new Map<string, unknown>();

  function Rollup(this: Node, def: RollupDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = (key: string, vars?: Record<string, string>) => RED._(`rollup.${key}`, vars);
    // Status texts are locale keys where they carry no number; the editor translates them.
    const key = (name: string) => `rollup.status.${name}`;
    let config: RollupNodeConfig;
    try {
      config = parseRollupConfig(def);
    } catch (err) {
      const error = messageOf(err);
      refuseAllInput(node, key('config'), t('errors.config', { error }), error);
      return;
    }

    const aggregator = new Aggregator(config);
    const only = config.fields;
    const reader = new FieldReader((name) => (only === undefined || only.has(name) ? aggregator.fields.id(name) : -1), { only });
    // A plain property name (the usual `device`) is read directly, without parsing the path per message.
    const plainKey = /^[A-Za-z_$][\w$]*$/.test(config.keyProperty) ? config.keyProperty : undefined;
    const saved = contextState(node.context(), STATE_KEY, config.store);
    const messageOptions = { topic: config.topic, measurement: config.measurement, isPowerField: config.isPowerField };
    let timer: NodeJS.Timeout | undefined;
    let timerAt = Infinity;
    let closing = false;
    let dirty = false;
    let lateSinceClose = 0;
    let nextSaveAt = 0;
    const firstCloseAt = Date.now() + FIRST_CLOSE_DELAY_MS;
    /** What the status shows while running, so thousands of readings a second do not resend the same one. */
    let running = '';
    let shownLate = -1;
    let shownKeys = -1;

    function showState(state: StatusState, name: string): void {
      running = '';
      shownLate = -1;
      node.status(statusOf(state, key(name)));
    }

    function showRunning(): void {
      // Most readings change neither figure: no string is made for them.
      if (lateSinceClose === shownLate && (lateSinceClose > 0 || aggregator.keyCount === shownKeys)) return;
      shownLate = lateSinceClose;
      shownKeys = aggregator.keyCount;
      const now = lateSinceClose > 0 ? `late ${lateSinceClose}` : `keys ${aggregator.keyCount}`;
      if (now === running) return;
      running = now;
      if (lateSinceClose > 0) {
        // Yellow ring: worth a look, not an error; the records carry the counts.
        node.status({ fill: 'yellow', shape: 'ring', text: t('status.late', { count: String(lateSinceClose) }) });
      } else if (aggregator.keyCount === 0) {
        node.status(statusOf('idle', key('waiting')));
      } else {
        node.status(statusOf('ok', t('status.keys', { count: String(aggregator.keyCount) })));
      }
    }

    function emit(records: WindowRecord[], send: Send = (msgs) => node.send(msgs)): void {
      if (records.length > 0) send([records.map((r) => recordMessage(r, messageOptions) as unknown as NodeMessage)]);
    }

    function closeDue(): void {
      const records = aggregator.closeDue(Date.now());
      if (records.length === 0) return;
      emit(records);
      dirty = true;
      lateSinceClose = 0;
      showRunning();
    }

    /** Arms the timer for the next window to close, unless it is armed for sooner already. */
    function schedule(): void {
      if (closing) return;
      const at = Math.max(firstCloseAt, Math.min(aggregator.nextDue() ?? Infinity, Date.now() + MAX_WAIT_MS));
      if (timer !== undefined && timerAt <= at) return;
      clearTimeout(timer);
      timerAt = at;
      timer = setTimeout(tick, Math.max(0, at - Date.now()));
    }

    function tick(): void {
      timer = undefined;
      timerAt = Infinity;
      try {
        closeDue();
      } catch (err) {
        showState('error', 'error');
        node.error(t('errors.close', { error: messageOf(err) }));
      }
      schedule();
    }

    async function save(snapshot?: unknown): Promise<void> {
      dirty = false;
      const started = Date.now();
      const state = snapshot ?? aggregator.snapshot();
      nextSaveAt = Date.now() + (Date.now() - started) * SAVE_COST_FACTOR;
      await saved.save(state);
    }

    function saveInBackground(): void {
      save().catch((err: unknown) => {
        showState('error', 'store');
        node.error(t('errors.save', { error: messageOf(err) }));
      });
    }

    const saver = setInterval(() => {
      if (dirty && Date.now() >= nextSaveAt) saveInBackground();
    }, SAVE_EVERY_MS);

    const handed = handedOver.get(node.id);
    handedOver.delete(node.id);
    /** Once the saved state is in, readings are taken synchronously, with no promise per message. */
    let loaded = false;
    const ready = (handed === undefined ? saved.load() : Promise.resolve(handed))
      .then(
        (state) => {
          const summary = aggregator.restore(state);
          if (summary.dropped > 0) node.warn(t('warnings.dropped', { count: String(summary.dropped) }));
        },
        (err: unknown) => {
          node.error(t('errors.load', { error: messageOf(err) }));
        },
      )
      .then(() => {
        loaded = true;
        if (closing) return;
        showRunning();
        // Windows that ended while Node-RED was stopped go out on the first tick, with what they had.
        schedule();
      });

    function keyOf(msg: InputMessage): string {
      const value: unknown =
        plainKey === undefined ? RED.util.getMessageProperty(msg, config.keyProperty) : (msg as Record<string, unknown>)[plainKey];
      if (value === undefined || value === null || value === '') return DEFAULT_KEY;
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      throw new ReadingError(`msg.${config.keyProperty} (the key) must be a string, got ${typeof value}`);
    }

    /** Only `true` or a key asks for a command; `false` (a switched-off toggle) is an ordinary reading. */
    async function command(flush: string | null | undefined, reset: string | null | undefined, send: Send): Promise<void> {
      if (flush !== undefined) emit(aggregator.flush(Date.now(), flush ?? undefined), send);
      if (reset !== undefined) {
        aggregator.reset(reset ?? undefined);
        lateSinceClose = 0;
        await save();
        showRunning();
      }
    }

    /** A reading, synchronously; undefined, or a promise for a command that saves. */
    function handle(msg: InputMessage, send: Send): Promise<void> | undefined {
      if (msg.flush !== undefined || msg.reset !== undefined) {
        const flush = commandTarget(msg.flush, 'flush');
        const reset = commandTarget(msg.reset, 'reset');
        if (flush !== undefined || reset !== undefined) return command(flush, reset, send);
      }
      const now = Date.now();
      reader.read(msg.payload, now);
      const kind = typeof msg.measurement === 'string' && msg.measurement !== '' ? msg.measurement : undefined;
      const outcome = aggregator.addFields(keyOf(msg), reader.time, reader.ids, reader.values, reader.count, now, kind);
      dirty = true;
      if (outcome.late > 0) lateSinceClose++;
      showRunning();
      schedule();
      return undefined;
    }

    function fail(err: unknown, done: (err?: Error) => void): void {
      showState('error', err instanceof ReadingError || err instanceof RangeError || err instanceof RollupCommandError ? 'bad-input' : 'error');
      done(asError(err));
    }

    function take(msg: InputMessage, send: Send, done: (err?: Error) => void): void {
      let pending: Promise<void> | undefined;
      try {
        pending = handle(msg, send);
      } catch (err) {
        fail(err, done);
        return;
      }
      if (pending === undefined) done();
      else
        pending.then(
          () => done(),
          (err: unknown) => fail(err, done),
        );
    }

    node.on('input', (msg: InputMessage, send: Send, done: (err?: Error) => void) => {
      if (loaded) take(msg, send, done);
      else void ready.then(() => take(msg, send, done));
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      clearTimeout(timer);
      clearInterval(saver);
      // A removed node's context is deleted by Node-RED; otherwise the next start (or deploy) carries on.
      ready
        .then(() => {
          if (removed) return undefined;
          const snapshot = aggregator.snapshot();
          handedOver.set(node.id, snapshot);
          return save(snapshot);
        })
        .catch((err: unknown) => node.error(t('errors.save', { error: messageOf(err) })))
        .then(() => done());
    });
  }
  RED.nodes.registerType('rollup', Rollup);
};
